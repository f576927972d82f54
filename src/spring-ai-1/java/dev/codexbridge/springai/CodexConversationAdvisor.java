package dev.codexbridge.springai;

import java.util.HashMap;
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
 * Hands the conversation id to {@link CodexChatModel} (Spring AI 1.1): copies
 * {@link ChatMemory#CONVERSATION_ID} from the advisors' context, which a {@code ChatModel} never
 * sees, into the prompt options' tool context, where the model reads it. Without it every prompt
 * is conversation {@link CodexChatModel#DEFAULT_KEY}. docs/spring-ai.md.
 */
public final class CodexConversationAdvisor implements CallAdvisor, StreamAdvisor {
    /** The key of the tenant a conversation runs for, when the Spring Boot starter's {@code codex-bridge.tenants} is on. */
    public static final String TENANT = "codex-bridge.tenant";

    /** After {@code MessageChatMemoryAdvisor} (+200); any order before the model works. */
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
        ToolCallingChatOptions with = options.copy();
        Map<String, Object> context = new HashMap<>(with.getToolContext() == null ? Map.of() : with.getToolContext());
        if (id != null) {
            context.put(ChatMemory.CONVERSATION_ID, id.toString());
        }
        if (tenant != null) {
            context.put(TENANT, tenant.toString());
        }
        with.setToolContext(context);
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
