package dev.codexbridge.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.support.TestDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The durable record of who opened each thread: whole or absent, never anyone's by accident. */
class ThreadOwnersTest {
    private final Path dir = TestDirs.create("thread-owners");

    @AfterEach
    void tearDown() throws Exception {
        TestDirs.delete(dir);
    }

    @Test
    void aRecordOutlivesTheStoreThatWroteItAndIsOwnerOnly() throws Exception {
        String thread = UUID.randomUUID().toString();
        ThreadOwners.files(dir.resolve("owners")).record(thread, "alice");
        ThreadOwners again = ThreadOwners.files(dir.resolve("owners"));
        assertThat(again.ownerOf(thread)).contains("alice");
        assertThat(again.ownerOf(UUID.randomUUID().toString())).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("owners")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("owners").resolve(thread)))).isEqualTo("rw-------");
    }

    @Test
    void whatIsNoThreadIdNeverBecomesAFileAndAnUnreadableRecordIsNobodys() throws Exception {
        ThreadOwners owners = ThreadOwners.files(dir.resolve("owners"));
        for (String bad : new String[] {"../escape", "/etc/passwd", "", "not-a-uuid"}) {
            assertThatThrownBy(() -> owners.record(bad, "alice")).isInstanceOf(IllegalArgumentException.class);
            assertThat(owners.ownerOf(bad)).isEmpty();
        }
        try (var files = Files.list(dir.resolve("owners"))) {
            assertThat(files).isEmpty();
        }
        // an interrupted write leaves only its temporary file: the thread has no owner, so nobody may resume it
        String thread = UUID.randomUUID().toString();
        Files.writeString(dir.resolve("owners").resolve(".owner-123.tmp"), "mallory");
        assertThat(owners.ownerOf(thread)).isEmpty();
        // a record that is a folder, or empty, is refused the same way
        Files.createDirectory(dir.resolve("owners").resolve(thread));
        assertThat(owners.ownerOf(thread)).isEmpty();
        String empty = UUID.randomUUID().toString();
        Files.writeString(dir.resolve("owners").resolve(empty), "");
        assertThat(owners.ownerOf(empty)).isEmpty();
    }

    @Test
    void theMemoryRecordForgetsTheOldestBeyondItsBound() {
        ThreadOwners owners = ThreadOwners.inMemory(2);
        owners.record("a", "alice");
        owners.record("b", "bob");
        owners.record("c", "carol");
        assertThat(owners.ownerOf("a")).isEmpty();
        assertThat(owners.ownerOf("c")).contains("carol");
    }

    /**
     * The gateway's record of threads opened here and not stored yet (issue 80): the least recently
     * used forgotten past its bound, and a forgotten thread is nobody's: its owner is refused as
     * another principal is, as for an id nobody used, until the store's record answers.
     */
    @Test
    void theGatewaysRecordOfThreadsNotStoredYetForgetsTheLeastRecentlyUsedAndAForgottenOneIsNobodys() {
        OpenedHere opened = new OpenedHere(2);
        opened.record("a", "alice");
        opened.record("b", "bob");
        assertThat(opened.owns("alice", "a")).as("asked: used").isTrue();
        opened.record("c", "carol");
        assertThat(opened.ownerOf("b")).as("the least recently used").isEmpty();
        assertThat(opened.owns("bob", "b")).isFalse();
        assertThat(opened.owns("alice", "b")).isFalse();
        assertThat(opened.owns("alice", "a")).isTrue();
        opened.stored("a");
        assertThat(opened.size()).isEqualTo(1);
        assertThatThrownBy(() -> CodexGateway.builder().threadsRemembered(0)).hasMessageContaining("threadsRemembered");
    }
}
