package dev.codexbridge.spring;

import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        return new CodexLocator().locate(null).binary();
    }

    /**
     * The app-server this JVM started with {@code codexHome} as its CODEX_HOME. By the home, not by
     * being the only one: Spring's test context cache keeps the codex of earlier test classes alive
     * in the same JVM, and which classes ran before depends on the order the machine lists them.
     */
    static ProcessHandle child(Path codexHome) {
        String wanted = "CODEX_HOME=" + codexHome;
        List<ProcessHandle> codex = ProcessHandle.current().children()
                .filter(p -> p.isAlive() && p.info().commandLine().map(c -> c.contains("app-server")).orElse(false))
                .filter(p -> environment(p).contains(wanted)).toList();
        if (codex.size() != 1) {
            throw new AssertionError("expected one app-server with CODEX_HOME " + codexHome + ", found " + codex);
        }
        return codex.get(0);
    }

    private static List<String> environment(ProcessHandle process) {
        try {
            String environ = Files.readString(Path.of("/proc", Long.toString(process.pid()), "environ"), StandardCharsets.ISO_8859_1);
            return List.of(environ.split("\0"));
        } catch (IOException e) {
            return List.of();                                                // gone meanwhile
        }
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
