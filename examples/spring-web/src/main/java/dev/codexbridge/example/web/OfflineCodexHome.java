package dev.codexbridge.example.web;

import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Makes the app offline before the starter builds its beans: starts the scripted model on loopback
 * ({@link OfflineModel}), writes a codex home that points codex at it ({@link IsolatedCodexHome},
 * {@code approval_policy = "on-request"}, so a command that asks to leave the sandbox comes to the
 * page as an approval), and hands the home and a workspace to the starter as
 * {@code codex-bridge.process.codex-home} and {@code codex-bridge.session.cwd}. Registered in
 * {@code META-INF/spring.factories}, so it runs for the main class and for {@code @SpringBootTest}
 * alike. The model server is closed last, after the starter has stopped codex.
 */
public class OfflineCodexHome implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        String dataDir = context.getEnvironment().getProperty("example.data-dir", "");
        Path root;
        Path home;
        Path workspace;
        try {
            root = dataDir.isBlank() ? Files.createTempDirectory("codex-bridge-example-") : Path.of(dataDir);
            home = Files.createDirectories(root.resolve("codex-home"));
            workspace = Files.createDirectories(root.resolve("workspace"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the example's folders: " + e.getMessage(), e);
        }
        ScriptedModelServer model = ScriptedModelServer.start().respondWhenEmpty(new OfflineModel());
        // registered first, so destroyed last: codex may still be finishing a turn when the context closes
        // (every Spring Boot context's bean factory is a DefaultListableBeanFactory)
        DefaultSingletonBeanRegistry beans = (DefaultSingletonBeanRegistry) context.getBeanFactory();
        beans.registerSingleton("scriptedModelServer", model);
        beans.registerDisposableBean("scriptedModelServer", model::close);
        IsolatedCodexHome.builder(home, model.baseUrl()).askForApproval("on-request").write();
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("codex-bridge-example-offline", Map.of(
                "codex-bridge.process.codex-home", home.toString(),
                "codex-bridge.session.cwd", workspace.toString())));
    }
}
