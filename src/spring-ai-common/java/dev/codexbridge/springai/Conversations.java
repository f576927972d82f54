package dev.codexbridge.springai;

import dev.codexbridge.CodexException;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.ThreadStore;
import dev.codexbridge.session.TurnLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import reactor.core.publisher.Flux;

/**
 * The conversations of one {@link CodexChatModel}, the same on both Spring AI generations: one
 * {@link Conversation}, and so one codex session, per conversation key, opened by its first prompt.
 * The model's calls and streams run here; each generation's model adds only what it does its own
 * way (its options, and on 1.1 running the tools itself).
 */
final class Conversations implements AutoCloseable {
    private final ThreadStore store;
    private final Duration toolResultTimeout;
    private final Function<Prompt, String> threadKey;
    private final CodexChatModel.SessionFactory sessions;
    private final Conversation.@Nullable ToolRunner runner;
    /** What a generation refuses in a prompt beyond what {@link Prompts} refuses on both. */
    private final Consumer<Prompt> refuse;
    private final Map<String, Conversation> conversations = new ConcurrentHashMap<>();
    private volatile boolean closed;

    Conversations(ThreadStore store, Duration toolResultTimeout, Function<Prompt, String> threadKey,
                  CodexChatModel.SessionFactory sessions, Conversation.@Nullable ToolRunner runner, Consumer<Prompt> refuse) {
        this.store = store;
        this.toolResultTimeout = toolResultTimeout;
        this.threadKey = threadKey;
        this.sessions = sessions;
        this.runner = runner;
        this.refuse = refuse;
    }

    /** The sessions of a model given no session factory: from its own client or connection, thread options, policy and limits. */
    static CodexChatModel.SessionFactory ownSessions(@Nullable CodexClient client, @Nullable ClientOptions connection,
                                                     ThreadOptions thread, ApprovalPolicy approvals, TurnLimits limits,
                                                     Consumer<CodexSession.Builder> sessionSettings) {
        return (key, threadId, first, conversation) -> {
            CodexSession.Builder b = CodexSession.builder().approvals(approvals).limits(limits)
                    .replaceThreadOptions(thread).resumeThread(threadId);
            if (client != null) {
                b.client(client);
            } else if (connection != null) {
                b.connection(connection);
            }
            sessionSettings.accept(b);
            conversation.accept(b);
            return b.build();
        };
    }

    /** The conversation id {@link CodexConversationAdvisor} put in the prompt's tool context, else {@link CodexChatModel#DEFAULT_KEY}. */
    static String conversationId(Prompt prompt) {
        if (prompt.getOptions() instanceof ToolCallingChatOptions o && o.getToolContext() != null) {
            Object id = o.getToolContext().get(ChatMemory.CONVERSATION_ID);
            if (id != null) {
                return id.toString();
            }
        }
        return CodexChatModel.DEFAULT_KEY;
    }

    ChatResponse call(Prompt prompt) {
        Conversation[] on = new Conversation[1];
        CompletableFuture<ChatResponse> response = exchange(prompt, null, on);
        try {
            return response.get();
        } catch (InterruptedException e) {
            on[0].interrupt();
            Thread.currentThread().interrupt();
            throw new CodexException("interrupted while codex ran the turn of conversation \"" + on[0].key() + "\"", e);
        } catch (ExecutionException e) {
            throw Failures.of(e.getCause());
        }
    }

    /** The answer's text as codex writes it, one response per piece; then one with the rest (if any) and the metadata. */
    Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.create(emitter -> {
            Conversation[] on = new Conversation[1];
            CompletableFuture<ChatResponse> response;
            try {
                response = exchange(prompt, delta -> emitter.next(chunk(delta)), on);
            } catch (RuntimeException e) {
                emitter.error(e);
                return;
            }
            emitter.onCancel(() -> {
                if (!response.isDone()) {
                    on[0].interrupt();      // the caller went away: codex need not finish the turn
                }
            });
            response.whenComplete((r, e) -> {
                if (e != null) {
                    emitter.error(Failures.of(e));
                } else {
                    emitter.next(r);
                    emitter.complete();
                }
            });
        });
    }

    private static ChatResponse chunk(String delta) {
        return new ChatResponse(List.of(new Generation(new AssistantMessage(delta))), new ChatResponseMetadata());
    }

    private CompletableFuture<ChatResponse> exchange(Prompt prompt, Conversation.@Nullable Sink sink, Conversation[] on) {
        if (closed) {
            throw new IllegalStateException("this CodexChatModel is closed");
        }
        Objects.requireNonNull(prompt, "prompt");
        Prompts.Reading reading = Prompts.read(prompt);
        refuse.accept(prompt);
        String key = Objects.requireNonNull(threadKey.apply(prompt), "the thread key function returned null");
        Conversation conversation = conversations.computeIfAbsent(key, k -> open(k, prompt, reading));
        conversation.checkSameThread(reading);
        on[0] = conversation;
        return conversation.exchange(prompt, reading, sink);
    }

    /** A conversation and its session; the session opens codex's thread at its first turn. */
    private Conversation open(String key, Prompt prompt, Prompts.Reading first) {
        Conversation conversation = new Conversation(key, store, toolResultTimeout, first, runner);
        conversation.open(sessions.open(key, store.threadId(key).orElse(null), prompt, conversation.sessionSettings(first)));
        return conversation;
    }

    Optional<String> threadId(String key) {
        Conversation c = conversations.get(key);
        String live = c == null ? null : c.session().threadId();
        return live != null ? Optional.of(live) : store.threadId(key);
    }

    Optional<CodexSession> session(String key) {
        return Optional.ofNullable(conversations.get(key)).map(Conversation::session);
    }

    void close(String key) {
        Conversation c = conversations.remove(key);
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        List<Conversation> all = new ArrayList<>(conversations.values());
        conversations.clear();
        all.forEach(Conversation::close);
    }
}
