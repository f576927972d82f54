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

    /** A CODEX_HOME whose only model is {@code model}: shell snapshot, plugins and apps off. */
    static Path home(Path dir, ScriptedModelServer model, String askForApproval) {
        return IsolatedCodexHome.builder(dir, model.baseUrl()).askForApproval(askForApproval).write();
    }

    /** A callers' tokens file ({@code PRINCIPAL TOKEN}) alone in a fresh folder, for a server's {@code tokens-file}. */
    static Path tokensFile(String principal, String token) {
        try {
            return Files.writeString(Files.createTempDirectory("spring-callers").resolve("tokens"), principal + " " + token + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * For a {@code @DynamicPropertySource}: codex {@code binary} with a fresh home on {@code model}
     * and a fresh workspace, as {@code codex-bridge.process.binary}, {@code .codex-home} and
     * {@code codex-bridge.session.cwd}.
     */
    static void register(DynamicPropertyRegistry registry, Path binary, ScriptedModelServer model, String askForApproval) {
        try {
            Path tmp = Files.createTempDirectory("spring-codex");
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path home = home(tmp.resolve("home"), model, askForApproval);
            registry.add("codex-bridge.process.binary", binary::toString);
            registry.add("codex-bridge.process.codex-home", home::toString);
            registry.add("codex-bridge.session.cwd", work::toString);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
