package dev.codexbridge.langchain4j;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.protocol.AskForApproval;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.ThreadStore;
import dev.codexbridge.session.TurnLimits;
import dev.langchain4j.exception.LangChain4jException;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Codex as a LangChain4j {@link ChatModel} and {@link StreamingChatModel} (docs/langchain4j.md).
 *
 * <pre>{@code
 * CodexChatModel codex = CodexChatModel.builder().cwd(workdir).approvals(policy).threadStore(ThreadStore.file(file)).build();
 * Assistant assistant = AiServices.builder(Assistant.class).chatModel(codex)
 *         .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
 *         .chatRequestTransformer(CodexChatRequestParameters.memoryIdTransformer())
 *         .tools(new MyTools()).build();
 * }</pre>
 *
 * Each conversation key (the memory id, by default) runs on a codex thread of its own, one
 * {@link CodexSession} per conversation; a request sends codex only what is new since its last
 * answer. The request's tools are codex dynamic tools: codex calling one ends the request with an
 * AI message holding the call, and the next request's tool result lets the same codex turn go on.
 * Closing the model closes every conversation's session; the threads stay in codex, and a
 * {@link ThreadStore} kept in a file finds them again after a restart.
 */
public final class CodexChatModel implements ChatModel, StreamingChatModel, AutoCloseable {
    /** The key of a request without a memory id (the one AiServices uses without {@code @MemoryId}). */
    public static final String DEFAULT_KEY = "default";

    private final Builder config;
    private final ThreadStore store;
    private final Map<String, Conversation> conversations = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private CodexChatModel(Builder b) {
        this.config = b;
        this.store = b.store;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        Conversation[] on = new Conversation[1];
        CompletableFuture<ChatResponse> response = exchange(request, null, on);
        try {
            return response.get();
        } catch (InterruptedException e) {
            on[0].interrupt();
            Thread.currentThread().interrupt();
            throw new LangChain4jException("interrupted while codex ran the turn of conversation \"" + on[0].key() + "\"", e);
        } catch (ExecutionException e) {
            throw Failures.of(e.getCause());
        }
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        Objects.requireNonNull(handler, "handler");
        CompletableFuture<ChatResponse> response;
        try {
            response = exchange(request, handler, new Conversation[1]);
        } catch (RuntimeException e) {
            handler.onError(Failures.of(e));
            return;
        }
        response.whenComplete((r, e) -> {
            if (e != null) {
                handler.onError(Failures.of(e instanceof CompletionException && e.getCause() != null ? e.getCause() : e));
            } else {
                handler.onCompleteResponse(r);
            }
        });
    }

    private CompletableFuture<ChatResponse> exchange(ChatRequest request, @Nullable StreamingChatResponseHandler sink, Conversation[] on) {
        if (closed) {
            throw new IllegalStateException("this CodexChatModel is closed");
        }
        ChatRequests.Reading reading = ChatRequests.read(request);
        String key = Objects.requireNonNull(config.threadKey.apply(request), "the thread key function returned null");
        Conversation conversation = conversations.computeIfAbsent(key, k -> open(k, reading));
        conversation.checkSameThread(reading);
        on[0] = conversation;
        return conversation.exchange(reading, sink);
    }

    /** A conversation and its session; nothing starts until its first turn. */
    private Conversation open(String key, ChatRequests.Reading first) {
        Conversation conversation = new Conversation(key, store, config.toolResultTimeout, first);
        CodexSession.Builder b = CodexSession.builder().approvals(config.approvals).limits(config.limits)
                .resumeThread(store.threadId(key).orElse(null));
        if (config.client != null) {
            b.client(config.client);
        } else if (config.connection != null) {
            b.connection(config.connection);
        }
        ThreadOptions thread = config.thread;
        if (first.instructions() != null) {
            thread = thread.toBuilder().developerInstructions(first.instructions()).build();
        }
        b.replaceThreadOptions(thread);
        conversation.tools(first).forEach(b::dynamicTool);
        config.sessionSettings.accept(b);
        // the application's policy answers only what codex asks: under a codex home's approval_policy = "never" (or
        // "on-request", inside the sandbox) commands run unasked, so a thread left to codex's config asks about every one
        b.adjustThread(t -> t.askForApproval() != null ? t : t.toBuilder().askForApproval(AskForApproval.UNTRUSTED).build());
        conversation.open(b.build());
        return conversation;
    }

    /** The codex thread of conversation {@code key}, once it has one (or the one it will resume). */
    public Optional<String> threadId(String key) {
        Conversation c = conversations.get(key);
        String live = c == null ? null : c.session().threadId();
        return live != null ? Optional.of(live) : store.threadId(key);
    }

    /** The session of conversation {@code key}, once a request has opened it: for what the adapter does not cover. */
    public Optional<CodexSession> session(String key) {
        return Optional.ofNullable(conversations.get(key)).map(Conversation::session);
    }

    /** Closes conversation {@code key}'s session; its thread stays in codex and in the store. */
    public void closeConversation(String key) {
        Conversation c = conversations.remove(key);
        if (c != null) {
            c.close();
        }
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return CodexChatRequestParameters.builder().modelName(config.modelName).build();
    }

    @Override
    public List<ChatModelListener> listeners() {
        return config.listeners;
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** A JSON schema response format is codex's structured output. */
    @Override
    public Set<Capability> supportedCapabilities() {
        return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }

    @Override
    public void close() {
        closed = true;
        List<Conversation> all = new ArrayList<>(conversations.values());
        conversations.clear();
        all.forEach(Conversation::close);
    }

    public static final class Builder {
        private CodexClient client;
        private ClientOptions connection;
        private ThreadOptions thread = ThreadOptions.DEFAULTS;
        private ApprovalPolicy approvals = ApprovalPolicy.failClosed();
        private TurnLimits limits = TurnLimits.DEFAULTS;
        private ThreadStore store = ThreadStore.inMemory();
        private Function<ChatRequest, String> threadKey = Builder::memoryIdOrDefault;
        private Duration toolResultTimeout = Duration.ofMinutes(5);
        private String modelName;
        private List<ChatModelListener> listeners = List.of();
        private Consumer<CodexSession.Builder> sessionSettings = b -> { };

        private Builder() {
        }

        /** Every conversation on this shared client (opened with {@code experimentalApi(true)} when the requests carry tools). */
        public Builder client(CodexClient shared) {
            this.client = Objects.requireNonNull(shared, "shared");
            return this;
        }

        /** Each conversation starts a codex of its own with these options (default: the located codex). */
        public Builder connection(ClientOptions options) {
            this.connection = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * What each conversation's thread starts with; the system message becomes its developer
         * instructions. Options that leave {@code askForApproval} unset get
         * {@link AskForApproval#UNTRUSTED}, whatever codex's {@code config.toml} says, so that the
         * {@link #approvals policy} is asked about every command.
         */
        public Builder threadOptions(ThreadOptions options) {
            this.thread = Objects.requireNonNull(options, "options");
            return this;
        }

        /** The threads' working folder. */
        public Builder cwd(Path folder) {
            this.thread = thread.toBuilder().cwd(Objects.requireNonNull(folder, "folder")).build();
            return this;
        }

        /** How codex's own requests (commands, file changes, MCP tools) are answered (default: fail closed). */
        public Builder approvals(ApprovalPolicy policy) {
            this.approvals = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Each turn's limits (default 10 minutes); a turn waiting for the application's tool results counts. */
        public Builder limits(TurnLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Where conversation keys map to codex threads (default: in memory). */
        public Builder threadStore(ThreadStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /**
         * The conversation a request belongs to (default: the memory id that
         * {@link CodexChatRequestParameters#memoryIdTransformer()} put on it, else {@link #DEFAULT_KEY}).
         */
        public Builder threadKey(Function<ChatRequest, String> key) {
            this.threadKey = Objects.requireNonNull(key, "key");
            return this;
        }

        /**
         * How long a codex tool call waits for the next request to bring the application's result
         * (default 5 minutes; at most 9, below the library's own 10-minute deadline for a dynamic
         * tool); then the call fails and codex goes on without it.
         */
        public Builder toolResultTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(9)) > 0) {
                throw new IllegalArgumentException("toolResultTimeout must be positive and at most 9 minutes: " + timeout);
            }
            this.toolResultTimeout = timeout;
            return this;
        }

        /** The codex model, sent with each turn (default: codex's own setting). */
        public Builder modelName(@Nullable String model) {
            this.modelName = model;
            return this;
        }

        public Builder listeners(List<ChatModelListener> listeners) {
            this.listeners = List.copyOf(listeners);
            return this;
        }

        /** Any other session setting (rate limits, telemetry, hibernation), applied to each conversation's session. */
        public Builder sessionSettings(Consumer<CodexSession.Builder> settings) {
            this.sessionSettings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        public CodexChatModel build() {
            if (client != null && connection != null) {
                throw new IllegalStateException("give client(...) or connection(...), not both");
            }
            return new CodexChatModel(this);
        }

        private static String memoryIdOrDefault(ChatRequest request) {
            return request.parameters() instanceof CodexChatRequestParameters p && p.memoryId() != null
                    ? String.valueOf(p.memoryId()) : DEFAULT_KEY;
        }
    }
}
