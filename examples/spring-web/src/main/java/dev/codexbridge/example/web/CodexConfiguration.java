package dev.codexbridge.example.web;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * One codex app-server for every conversation of the page, offline: its home points codex at the
 * scripted model on loopback and sets {@code approval_policy = "on-request"}, so a command that asks
 * to leave the sandbox comes to the page as an approval. The codex binary is found the library's
 * way (docs/embedding.md, "Finding codex"): inside the repository, the build's {@code .codex-cli/}.
 */
@Configuration(proxyBeanMethods = false)
class CodexConfiguration {

    @Bean(destroyMethod = "close")
    ScriptedModelServer scriptedModel() {
        return ScriptedModelServer.start().respondWhenEmpty(new OfflineModel());
    }

    @Bean
    ExampleFolders exampleFolders(@Value("${example.data-dir:}") String dataDir) {
        try {
            Path root = dataDir.isBlank() ? Files.createTempDirectory("codex-bridge-example-") : Path.of(dataDir);
            return new ExampleFolders(Files.createDirectories(root.resolve("codex-home")),
                    Files.createDirectories(root.resolve("workspace")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the example's folders: " + e.getMessage(), e);
        }
    }

    @Bean(destroyMethod = "close")
    CodexClient codexClient(ScriptedModelServer model, ExampleFolders folders) {
        IsolatedCodexHome.builder(folders.codexHome(), model.baseUrl()).askForApproval("on-request").write();
        return CodexClient.builder()
                .process(CodexLaunch.appServer().codexHome(folders.codexHome()).build())
                .connect();
    }

    /** Where codex keeps its state and where its commands run. */
    record ExampleFolders(Path codexHome, Path workspace) {
    }
}
