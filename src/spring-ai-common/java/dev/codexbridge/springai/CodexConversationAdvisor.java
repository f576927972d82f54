package dev.codexbridge.springai;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.core.Ordered;
import reactor.core.publisher.Flux;

/**
 * Hands the conversation id to {@link CodexChatModel}. ChatClient keeps the advisors' context
 * (where {@code advisors(a -> a.param(ChatMemory.CONVERSATION_ID, id))} puts the id) to the
 * advisors: a {@code ChatModel} sees only the prompt. This advisor copies the id into the prompt
 * options' tool context under {@link ChatMemory#CONVERSATION_ID}, where the model reads it (and
 * the application's tools see it in their {@code ToolContext}). Without it every prompt is
 * conversation {@link CodexChatModel#DEFAULT_KEY}.
 *
 * <p>Ordered after the chat memory advisor and before the tool-calling advisor, so every round of
 * a tool loop carries the id.
 */
public final class CodexConversationAdvisor implements CallAdvisor, StreamAdvisor {
    /**
     * The key of the tenant a conversation runs for, when the Spring Boot starter's
     * {@code codex-bridge.tenants} is on: an advisor parameter (copied like the conversation id)
     * or a tool context entry.
     */
    public static final String TENANT = "codex-bridge.tenant";

    /**
     * After {@code MessageChatMemoryAdvisor} (+200), before Spring AI 2.0's {@code ToolCallingAdvisor}
     * (+300); on 1.1, whose model runs the tools, any order before the model works.
     */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 250;

    private CodexConversationAdvisor() {
    }

    public static CodexConversationAdvisor create() {
        return new CodexConversationAdvisor();
    }

    @Override
    public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
        return chain.nextCall(withConversationId(request));
    }

    @Override
    public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
        return chain.nextStream(withConversationId(request));
    }

    static ChatClientRequest withConversationId(ChatClientRequest request) {
        Object id = request.context().get(ChatMemory.CONVERSATION_ID);
        Object tenant = request.context().get(TENANT);
        if ((id == null && tenant == null) || !(request.prompt().getOptions() instanceof ToolCallingChatOptions options)) {
            return request;
        }
        Map<String, Object> entries = new LinkedHashMap<>();
        if (id != null) {
            entries.put(ChatMemory.CONVERSATION_ID, id.toString());
        }
        if (tenant != null) {
            entries.put(TENANT, tenant.toString());
        }
        ToolCallingChatOptions with = ToolContexts.with(options, entries);
        Prompt prompt = request.prompt().mutate().chatOptions(with).build();
        return request.mutate().prompt(prompt).build();
    }

    @Override
    public String getName() {
        return "CodexConversationAdvisor";
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
