package dev.codexbridge.spring;

import dev.codexbridge.session.ThreadStore;
import dev.codexbridge.springai.CodexChatModel;
import dev.codexbridge.springai.CodexConversationAdvisor;
import dev.codexbridge.springai.CodexPromptException;
import org.springframework.ai.chat.client.ChatClientCustomizer;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Codex as the application's Spring AI {@code ChatModel}: a {@link CodexChatModel} whose
 * conversations open through {@link CodexSessions}, so the application's {@code ApprovalPolicy},
 * session properties, pool or tenants, meters and graceful shutdown apply to them. Only with
 * the Spring AI module of the starter's generation on the class path ({@code codex-bridge-spring-ai}
 * for Spring AI 2.0 on Spring Boot 4, {@code codex-bridge-spring-ai1} for 1.1 on Spring Boot 3.5;
 * the two share this source) and {@code codex-bridge.spring-ai.enabled=true}. Every {@code ChatClient.Builder}
 * that Spring AI's auto-configuration makes gets {@link CodexConversationAdvisor}, so the memory
 * advisor's conversation id reaches the model.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = SpringAiConfiguration.MODEL)
@ConditionalOnProperty(prefix = "codex-bridge.spring-ai", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(SpringAiProperties.class)
class SpringAiConfiguration {
    static final String MODEL = "dev.codexbridge.springai.CodexChatModel";

    /** Closed before codex stops: it depends on {@link CodexSessions}. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    CodexChatModel codexChatModel(CodexSessions sessions, SpringAiProperties p) {
        CodexChatModel.Builder b = CodexChatModel.builder().modelName(p.getModel())
                .threadStore(p.getThreadStore() == null ? ThreadStore.inMemory() : ThreadStore.file(p.getThreadStore()));
        try {
            b.toolResultTimeout(p.getToolResultTimeout());
        } catch (IllegalArgumentException e) {
            throw new CodexPropertiesException("codex-bridge.spring-ai.tool-result-timeout: " + e.getMessage());
        }
        if (sessions.tenants() != null) {
            // each tenant's conversations apart: the same conversation id of two tenants is two threads
            b.threadKey(prompt -> tenant(prompt) + "\n" + CodexChatModel.conversationId(prompt));
            b.sessions((key, threadId, first, conversation) -> threadId == null ? sessions.open(tenant(first), conversation)
                    : sessions.resume(tenant(first), threadId, conversation));
        } else {
            // the conversation is the caller a ThreadAccess bean is asked about
            b.sessions((key, threadId, first, conversation) -> threadId == null ? sessions.open(conversation)
                    : sessions.resume(key, threadId, conversation));
        }
        return b.build();
    }

    @Bean
    @ConditionalOnMissingBean(name = "codexConversationCustomizer")
    ChatClientCustomizer codexConversationCustomizer() {
        return builder -> builder.defaultAdvisors(CodexConversationAdvisor.create());
    }

    private static String tenant(Prompt prompt) {
        Object tenant = prompt.getOptions() instanceof ToolCallingChatOptions o && o.getToolContext() != null
                ? o.getToolContext().get(CodexConversationAdvisor.TENANT) : null;
        if (tenant == null) {
            throw new CodexPromptException("codex-bridge.tenants is on: say whose conversation this is with "
                    + "advisors(a -> a.param(CodexConversationAdvisor.TENANT, tenantId)) or the tool context");
        }
        return tenant.toString();
    }
}
