package dev.codexbridge.spring;

import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * What the starter's context tests on codex as the application's own process share: a scripted
 * model, an offline {@code CODEX_HOME} and a working folder per test, the auto-configuration with
 * health and metrics, and the properties that point it at them.
 */
abstract class OwnCodexContexts {
    @TempDir
    Path tmp;
    ScriptedModelServer model;
    Path home;
    Path work;
    Path binary;

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CodexBridgeAutoConfiguration.class))
            .withConfiguration(Actuator.HEALTH_AND_METRICS);

    @BeforeEach
    void startModelAndHome() throws Exception {
        binary = OfflineCodex.binary();
        model = ScriptedModelServer.start();
        home = OfflineCodex.home(tmp.resolve("home"), model, "never");
        work = Files.createDirectories(tmp.resolve("work"));
    }

    @AfterEach
    void stopModel() {
        if (model != null) {        // null when the live tests are off: setUp stopped before it started anything
            model.close();
        }
    }

    /** The properties of codex as the application's own process on the home and folder above, then {@code more}. */
    String[] ownProcess(String... more) {
        List<String> p = new ArrayList<>(List.of("codex-bridge.process.binary=" + binary,
                "codex-bridge.process.codex-home=" + home, "codex-bridge.session.cwd=" + work));
        p.addAll(List.of(more));
        return p.toArray(String[]::new);
    }
}
