package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.process.CodexArtifact;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A Spring Boot application that depends on the starter and the codex-bridge-codex-linux-x64
 * artifact, started where the PATH has no Node, npm or codex, with no CODEX_BIN, no install folder
 * and no .codex-cli above it: it gets the pinned codex from its class path and answers a turn.
 */
class NoNodeSpringBootTest {
    private Path dir;

    @AfterEach
    void clean() throws Exception {
        if (dir != null) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void anApplicationWithoutNodeGetsCodexFromTheArtifactAndAnswersATurn() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        String platform = CodexArtifact.currentPlatform().orElseThrow();
        dir = Files.createTempDirectory("no-node-host");
        Path userHome = Files.createDirectories(dir.resolve("user"));
        Path work = Files.createDirectories(dir.resolve("work"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("sh"), Path.of("/bin/sh"));
        Files.createSymbolicLink(bin.resolve("bash"), Path.of("/bin/bash"));

        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path codexHome = IsolatedCodexHome.builder(dir.resolve("codex-home"), model.baseUrl()).write();
            model.enqueue(ModelReply.message("Hello from a host without Node."));
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "-Duser.home=" + userHome,
                    NoNodeHostMain.class.getName(), codexHome.toString(), work.toString())
                    .directory(work.toFile());
            Map<String, String> env = pb.environment();
            env.clear();    // no CODEX_BIN, no CODEX_BRIDGE_CODEX_DIR
            env.put("PATH", bin.toString());
            env.put("HOME", userHome.toString());
            Path log = dir.resolve("host.log");
            Process host = pb.redirectError(log.toFile()).start();
            host.getOutputStream().close();
            String out = new String(host.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(host.waitFor(5, TimeUnit.MINUTES)).isTrue();
            String err = Files.readString(log);
            assertThat(host.exitValue()).as(out + err).isZero();
            assertThat(out.lines()).as(err).contains("ANSWER COMPLETED Hello from a host without Node.",
                    "SOURCE CLASS_PATH " + userHome.resolve(".cache/codex-bridge/codex-0.171.0-" + platform + "/bin/codex"));
            assertThat(model.responsesRequests()).hasSize(1);
        }
    }
}
