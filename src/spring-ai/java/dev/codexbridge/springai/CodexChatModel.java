package dev.codexbridge.springai;

import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadStore;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;

/**
 * Codex as a Spring AI {@link ChatModel}, called and streamed (docs/spring-ai.md).
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
 * holds the rest. The prompt's tool callbacks are codex dynamic tools: codex calling one ends the
 * call with an assistant message holding the tool call, ChatClient's tool-calling advisor runs it,
 * and the next prompt's tool response lets the same codex turn go on. Closing the model closes
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
        this.conversations = new Conversations(b.store, b.toolResultTimeout, b.threadKey, b.sessionFactory(), null, prompt -> { });
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
    public CodexChatOptions getOptions() {
        return CodexChatOptions.builder().model(config.modelName).build();
    }

    @Override
    public void close() {
        conversations.close();
    }

    /** The conversation id {@link CodexConversationAdvisor} put in the prompt's tool context, else {@link #DEFAULT_KEY}. */
    public static String conversationId(Prompt prompt) {
        return Conversations.conversationId(prompt);
    }

    /** The model's settings; its setters are {@link ChatModelSettings}'s, the same on Spring AI 1.1. */
    public static final class Builder extends ChatModelSettings<Builder> {
        private Builder() {
        }

        public CodexChatModel build() {
            check();
            return new CodexChatModel(this);
        }
    }
}
