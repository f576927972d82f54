package dev.codexbridge.spring;

import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.springframework.test.context.DynamicPropertyRegistry;

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

    /**
     * The properties of an application whose codex is the pinned one on {@code model}: the binary,
     * a new CODEX_HOME and a workspace in a new temporary folder named after {@code prefix}.
     */
    static void register(DynamicPropertyRegistry registry, ScriptedModelServer model, String askForApproval, String prefix) {
        Path binary = binary();
        try {
            Path tmp = Files.createTempDirectory(prefix);
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path home = home(tmp.resolve("home"), model, askForApproval);
            registry.add("codex-bridge.process.binary", binary::toString);
            registry.add("codex-bridge.process.codex-home", home::toString);
            registry.add("codex-bridge.session.cwd", work::toString);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A CODEX_HOME whose only model is {@code model}: shell snapshot, plugins and apps off. */
    static Path home(Path dir, ScriptedModelServer model, String askForApproval) {
        return IsolatedCodexHome.builder(dir, model.baseUrl()).askForApproval(askForApproval).write();
    }
}
