package dev.codexbridge.springai;

import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadStore;
import dev.codexbridge.tool.DynamicTool;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.model.tool.ToolExecutionResult;
import reactor.core.publisher.Flux;

/**
 * Codex as a Spring AI 1.1 {@link ChatModel}, called and streamed (docs/spring-ai.md, "Spring AI 1.1").
 *
 * <pre>{@code
 * CodexChatModel codex = CodexChatModel.builder().cwd(workdir).approvals(policy).threadStore(ThreadStore.file(file)).build();
 * ChatClient chat = ChatClient.builder(codex)
 *         .defaultAdvisors(MessageChatMemoryAdvisor.builder(memory).build(), CodexConversationAdvisor.create())
 *         .build();
 * chat.prompt().user(question).tools(new MyTools()).advisors(a -> a.param(ChatMemory.CONVERSATION_ID, user)).call().content();
 * }</pre>
 *
 * Each conversation id runs on a codex thread of its own, one {@link CodexSession} per
 * conversation; a prompt sends codex only what is new since its last answer, since the thread
 * holds the rest. The prompt's tool callbacks are codex dynamic tools which, as Spring AI 1.1
 * models do, the model runs itself through its {@link ToolCallingManager} when codex calls one,
 * within the same codex turn; with {@code internalToolExecutionEnabled=false} the call is handed
 * out as an assistant message instead, and the next prompt's tool response answers it. Closing the model closes
 * every conversation's session; the threads stay in codex, and a {@link ThreadStore} kept in a
 * file finds them again after a restart.
 */
public final class CodexChatModel implements ChatModel, AutoCloseable {
    /** The key of a prompt that names no conversation. */
    public static final String DEFAULT_KEY = "default";

    /**
     * Opens the session of one conversation: on a new thread, or resuming {@code threadId}.
     * {@code conversation} adds the conversation's instructions and tools (and {@code UNTRUSTED} when the
     * thread options leave codex's approval setting unset); apply it last.
     * {@code first} is the conversation's first prompt, for a factory that reads its tool context.
     */
    @FunctionalInterface
    public interface SessionFactory {
        CodexSession open(String conversationKey, @Nullable String threadId, Prompt first, Consumer<CodexSession.Builder> conversation);
    }

    private final Builder config;
    private final Conversations conversations;

    private CodexChatModel(Builder b) {
        this.config = b;
        this.conversations = new Conversations(b.store, b.toolResultTimeout, b.threadKey, b.sessionFactory(), this::runTool, CodexChatModel::refuseToolNames);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        return conversations.call(prompt);
    }

    /** The answer's text as codex writes it, one response per piece; then one with the rest (if any) and the metadata. */
    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return conversations.stream(prompt);
    }

    /** Spring AI 1.1 resolves tools by name through a resolver; codex needs the callbacks when the thread starts. */
    private static void refuseToolNames(Prompt prompt) {
        if (prompt.getOptions() instanceof ToolCallingChatOptions o && o.getToolNames() != null && !o.getToolNames().isEmpty()) {
            throw new CodexPromptException("tools by name (" + o.getToolNames() + ") are not supported by this model: give "
                    + "the ToolCallbacks themselves (ChatClient.tools(...), toolCallbacks(...))");
        }
    }

    /**
     * Runs codex's call of an application tool through Spring AI's tool execution (the callback,
     * its tool context, exception processing), unless the prompt asks to run tools itself.
     */
    private DynamicTool.@Nullable Result runTool(Prompt prompt, DynamicTool.Call call, String arguments) {
        if (!ToolCallingChatOptions.isInternalToolExecutionEnabled(prompt.getOptions())) {
            return null;
        }
        String id = call.callId().isEmpty() ? "codex-" + UUID.randomUUID() : call.callId();
        AssistantMessage asked = AssistantMessage.builder().content("")
                .toolCalls(List.of(new AssistantMessage.ToolCall(id, "function", call.tool(), arguments))).build();
        ToolExecutionResult result = config.toolCallingManager.executeToolCalls(prompt,
                new ChatResponse(List.of(new Generation(asked))));
        List<Message> history = result.conversationHistory();
        if (!history.isEmpty() && history.get(history.size() - 1) instanceof ToolResponseMessage answer) {
            return DynamicTool.Result.text(answer.getResponses().stream().filter(r -> id.equals(r.id()))
                    .map(ToolResponseMessage.ToolResponse::responseData).collect(Collectors.joining("\n")));
        }
        return DynamicTool.Result.failure("Spring AI's tool execution gave no response for " + call.tool());
    }

    /** The session of a model given no {@link Builder#sessions}: from its own client or connection, thread options, policy and limits. */
    private CodexSession ownSession(String key, @Nullable String threadId, Prompt first, Consumer<CodexSession.Builder> conversation) {
        CodexSession.Builder b = CodexSession.builder().approvals(config.approvals).limits(config.limits)
                .replaceThreadOptions(config.thread).resumeThread(threadId);
        if (config.client != null) {
            b.client(config.client);
        } else if (config.connection != null) {
            b.connection(config.connection);
        }
        config.sessionSettings.accept(b);
        conversation.accept(b);
        return b.build();
    }

    /** The codex thread of conversation {@code key}, once it has one (or the one it will resume). */
    public Optional<String> threadId(String key) {
        return conversations.threadId(key);
    }

    /** The session of conversation {@code key}, once a prompt has opened it: for what the adapter does not cover. */
    public Optional<CodexSession> session(String key) {
        return conversations.session(key);
    }

    /** Closes conversation {@code key}'s session; its thread stays in codex and in the store. */
    public void closeConversation(String key) {
        conversations.close(key);
    }

    /**
     * {@link CodexChatOptions}, so that ChatClient puts its tools, tool context and (native
     * structured output) JSON schema on them; the model name when one was given.
     */
    @Override
    public CodexChatOptions getDefaultOptions() {
        return CodexChatOptions.codexBuilder().model(config.modelName).build();
    }

    @Override
    public void close() {
        conversations.close();
    }

    /** The conversation id {@link CodexConversationAdvisor} put in the prompt's tool context, else {@link #DEFAULT_KEY}. */
    public static String conversationId(Prompt prompt) {
        return Conversations.conversationId(prompt);
    }

    /** The model's settings; its setters are {@link ChatModelSettings}'s, the same on Spring AI 2.0, and the tool calling manager. */
    public static final class Builder extends ChatModelSettings<Builder> {
        private ToolCallingManager toolCallingManager = ToolCallingManager.builder().build();

        private Builder() {
        }

        /** How the model runs the application's tools when codex calls one (default: Spring AI's own). */
        public Builder toolCallingManager(ToolCallingManager manager) {
            this.toolCallingManager = Objects.requireNonNull(manager, "manager");
            return this;
        }

        public CodexChatModel build() {
            check();
            return new CodexChatModel(this);
        }
    }
}
