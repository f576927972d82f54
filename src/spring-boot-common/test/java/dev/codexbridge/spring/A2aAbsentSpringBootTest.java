package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.a2a.A2aServer;
import dev.codexbridge.mcp.CodexMcpServer;
import dev.codexbridge.mcp.McpHttpServer;
import dev.codexbridge.openai.OpenAiServlet;
import dev.codexbridge.testkit.ScriptedModelServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * codex-bridge-a2a, codex-bridge-mcp and codex-bridge-openai on the class path but none of
 * {@code codex-bridge.a2a.enabled}, {@code codex-bridge.mcp.enabled} and {@code codex-bridge.openai.enabled}
 * set: the sessions are there, no A2A, MCP or OpenAI door.
 */
// closed after the class: its codex must not outlive it (other tests count the app-servers this JVM runs)
@DirtiesContext
@SpringBootTest(classes = HostApplication.class)
class A2aAbsentSpringBootTest {
    private static ScriptedModelServer model;

    @Autowired
    ApplicationContext context;

    @DynamicPropertySource
    static void codex(DynamicPropertyRegistry registry) {
        model = ScriptedModelServer.start();
        OfflineCodex.register(registry, OfflineCodex.binary(), model, "on-request");
    }

    @AfterAll
    static void stopModel() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void withoutThePropertyThereIsNoServer() {
        assertThat(context.getBeansOfType(CodexSessions.class)).hasSize(1);
        assertThat(context.getBeansOfType(A2aServer.class)).isEmpty();
        assertThat(context.getBeansOfType(A2aProperties.class)).isEmpty();
        assertThat(context.getBeansOfType(McpHttpServer.class)).isEmpty();
        assertThat(context.getBeansOfType(CodexMcpServer.class)).isEmpty();
        assertThat(context.getBeansOfType(McpProperties.class)).isEmpty();
        // a (mock) servlet web application, where the OpenAI door would be served once enabled
        assertThat(context.getBeansOfType(OpenAiServlet.class)).isEmpty();
        assertThat(context.getBeansOfType(OpenAiProperties.class)).isEmpty();
    }
}
