package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.process.CodexArtifact;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pinned codex from the codex-bridge-codex-linux-x64 artifact alone: a host JVM whose PATH has
 * no Node, npm or codex, with no CODEX_BIN, no install folder and no .codex-cli above its working
 * directory, finds codex on its class path, unpacks it into its cache and answers a turn.
 */
class CodexArtifactLiveTest {
    private Path dir;

    @AfterEach
    void clean() throws IOException {
        TestDirs.delete(dir);
    }

    @Test
    void aHostWithoutNodeGetsCodexFromTheClassPathAndAnswersATurn() throws Exception {
        LiveCodex.binary();     // skipped with the other live tests
        String platform = CodexArtifact.currentPlatform().orElseThrow();
        assertThat(CodexArtifact.find(getClass().getClassLoader(), platform)).as("the artifact on the test class path").isPresent();
        dir = TestDirs.create("artifact-host");
        Path userHome = Files.createDirectories(dir.resolve("user"));
        Path work = Files.createDirectories(Files.createTempDirectory("artifact-host-work"));
        // a PATH with a shell and nothing else: no node, npm or codex
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("sh"), Path.of("/bin/sh"));
        Files.createSymbolicLink(bin.resolve("bash"), Path.of("/bin/bash"));

        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path codexHome = IsolatedCodexHome.builder(dir.resolve("codex-home"), model.baseUrl()).write();
            model.enqueue(ModelReply.message("Hello from the artifact."));
            List<String> command = ChildJvm.command();
            command.addAll(List.of("-cp", ChildJvm.classPath(), "-Duser.home=" + userHome,
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", ArtifactHostMain.class.getName(), codexHome.toString(), work.toString()));
            ProcessBuilder pb = new ProcessBuilder(command)
                    .directory(work.toFile());
            Map<String, String> env = pb.environment();
            env.clear();
            env.put("PATH", bin.toString());
            env.put("HOME", userHome.toString());
            Path stderr = dir.resolve("host.err");
            Process host = pb.redirectError(stderr.toFile()).start();
            host.getOutputStream().close();
            String out = new String(host.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(host.waitFor(5, TimeUnit.MINUTES)).isTrue();
            String err = Files.readString(stderr);
            assertThat(host.exitValue()).as(out + err).isZero();

            Path cached = userHome.resolve(".cache/codex-bridge/codex-" + "0.171.0-" + platform + "/bin/codex");
            List<String> lines = out.lines().toList();
            assertThat(lines).as(err).anySatisfy(l -> assertThat(l).startsWith("FOUND CLASS_PATH " + cached + " "));
            assertThat(lines).contains("ANSWER COMPLETED Hello from the artifact.");
            assertThat(err).contains("unpacked codex-bridge-codex-" + platform + " (codex 0.171.0) into " + cached.getParent().getParent());
            assertThat(model.responsesRequests()).hasSize(1);
            try (var names = Files.list(bin)) {
                assertThat(names.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("sh", "bash");
            }
        } finally {
            TestDirs.delete(work);
        }
    }
}
