package dev.codexbridge.spring;

import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The pinned codex (from .codex-cli, -Dcodexbridge.codexDir) against the test kit's scripted
 * model, as modules/tests' LiveCodex does; {@code -DskipLiveTests=true} turns these tests off.
 */
final class OfflineCodex {
    private OfflineCodex() {
    }

    static Path binary() {
        Assumptions.assumeFalse(Boolean.getBoolean("codexbridge.skipLiveTests"), "live tests skipped by -DskipLiveTests");
        return new CodexLocator().locate(null).binary();
    }

    /** A CODEX_HOME whose only model is {@code model}: shell snapshot, plugins and apps off. */
    static Path home(Path dir, ScriptedModelServer model, String askForApproval) {
        return IsolatedCodexHome.builder(dir, model.baseUrl()).askForApproval(askForApproval).write();
    }
}
