package dev.codexbridge.spring;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code codex-bridge.spring-ai.*} properties: codex as the application's Spring AI
 * {@code ChatModel} (docs/spring-ai.md), when the Spring AI module of the starter's generation
 * ({@code codex-bridge-spring-ai} on Spring Boot 4, {@code codex-bridge-spring-ai1} on 3.5) is on
 * the class path and {@code enabled} is true.
 */
@ConfigurationProperties(prefix = "codex-bridge.spring-ai")
public class SpringAiProperties {
    /** Whether to make the codex ChatModel bean (needs dev.codexbridge:codex-bridge-spring-ai, or -spring-ai1 on Spring Boot 3.5). */
    private boolean enabled;
    /** A properties file mapping conversation ids to codex threads, so conversations resume after a restart; unset: in memory. */
    private Path threadStore;
    /** How long a codex tool call waits for the next prompt to bring the application's result (at most 9 minutes). */
    private Duration toolResultTimeout = Duration.ofMinutes(5);
    /** The codex model each turn asks for; unset: the sessions' own (codex-bridge.session.model, else codex's). */
    private String model;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Path getThreadStore() {
        return threadStore;
    }

    public void setThreadStore(Path threadStore) {
        this.threadStore = threadStore;
    }

    public Duration getToolResultTimeout() {
        return toolResultTimeout;
    }

    public void setToolResultTimeout(Duration toolResultTimeout) {
        this.toolResultTimeout = toolResultTimeout;
    }

    public String getModel() {
        return model;
    }

    public void setModel(String model) {
        this.model = model;
    }
}
