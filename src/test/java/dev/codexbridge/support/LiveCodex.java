package dev.codexbridge.support;

import dev.codexbridge.process.CodexLocator;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locates the pinned codex for live tests; {@code -DskipLiveTests=true} turns them off. */
public final class LiveCodex {
    private LiveCodex() {
    }

    public static Path binary() {
        Assumptions.assumeFalse(Boolean.getBoolean("codexbridge.skipLiveTests"), "live tests skipped by -DskipLiveTests");
        return new CodexLocator().locate(null).binary();
    }
}
