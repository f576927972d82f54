package dev.codexbridge.springai;

import java.util.HashMap;
import java.util.Map;
import org.springframework.ai.model.tool.ToolCallingChatOptions;

/** Prompt options with more tool context entries: Spring AI 1.1 has no {@code mutate()}, so a copy gets them. */
final class ToolContexts {
    private ToolContexts() {
    }

    static ToolCallingChatOptions with(ToolCallingChatOptions options, Map<String, Object> entries) {
        ToolCallingChatOptions with = options.copy();
        Map<String, Object> context = new HashMap<>(with.getToolContext() == null ? Map.of() : with.getToolContext());
        context.putAll(entries);
        with.setToolContext(context);
        return with;
    }
}
