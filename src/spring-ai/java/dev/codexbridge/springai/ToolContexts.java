package dev.codexbridge.springai;

import java.util.Map;
import org.springframework.ai.model.tool.ToolCallingChatOptions;

/** Prompt options with more tool context entries: Spring AI 2.0 builds them from {@code mutate()}. */
final class ToolContexts {
    private ToolContexts() {
    }

    static ToolCallingChatOptions with(ToolCallingChatOptions options, Map<String, Object> entries) {
        ToolCallingChatOptions.Builder<?> b = options.mutate();
        entries.forEach(b::toolContext);
        return b.build();
    }
}
