package dev.codexbridge.store;

/**
 * {@link DiskStoreTamperTest} with the store's folders opened by path, as on a file system whose
 * folders cannot be held open as handles (Windows; macOS on some JDKs): the same refusals, each entry checked
 * just before it is used.
 */
class DiskStoreTamperByPathTest extends DiskStoreTamperTest {
    @Override
    boolean handles() {
        return false;
    }
}
