package dev.codexbridge.springai;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.ThreadStore;
import dev.codexbridge.session.TurnLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.prompt.Prompt;

/**
 * The settings both Spring AI generations' {@code CodexChatModel.Builder} take, with their
 * defaults and checks: the builders were the same but for what a generation adds (1.1's tool
 * calling manager). Package-private; its public methods are the builders' own.
 *
 * @param <B> the builder, which each setter returns
 */
abstract class ChatModelSettings<B extends ChatModelSettings<B>> {
    @Nullable CodexClient client;
    @Nullable ClientOptions connection;
    CodexChatModel.@Nullable SessionFactory sessions;
    ThreadOptions thread = ThreadOptions.DEFAULTS;
    ApprovalPolicy approvals = ApprovalPolicy.failClosed();
    TurnLimits limits = TurnLimits.DEFAULTS;
    ThreadStore store = ThreadStore.inMemory();
    Function<Prompt, String> threadKey = CodexChatModel::conversationId;
    Duration toolResultTimeout = Duration.ofMinutes(5);
    @Nullable String modelName;
    Consumer<CodexSession.Builder> sessionSettings = b -> { };

    ChatModelSettings() {
    }

    private B self() {
        @SuppressWarnings("unchecked")
        B b = (B) this;
        return b;
    }

    /** Every conversation on this shared client (opened with {@code experimentalApi(true)} when prompts carry tools). */
    public B client(CodexClient shared) {
        this.client = Objects.requireNonNull(shared, "shared");
        return self();
    }

    /** Each conversation starts a codex of its own with these options (default: the located codex). */
    public B connection(ClientOptions options) {
        this.connection = Objects.requireNonNull(options, "options");
        return self();
    }

    /**
     * Where conversations' sessions come from, instead of {@link #client}/{@link #connection},
     * {@link #threadOptions}, {@link #approvals}, {@link #limits} and {@link #sessionSettings}
     * (which then do not apply): a host's own session machinery, as the Spring Boot starter's.
     */
    public B sessions(CodexChatModel.SessionFactory factory) {
        this.sessions = Objects.requireNonNull(factory, "factory");
        return self();
    }

    /**
     * What each conversation's thread starts with; the system message becomes its developer
     * instructions. Options that leave {@code askForApproval} unset get {@code UNTRUSTED} (with
     * {@link #sessions} too), whatever codex's {@code config.toml} says, so that the
     * {@link #approvals policy} is asked about every command.
     */
    public B threadOptions(ThreadOptions options) {
        this.thread = Objects.requireNonNull(options, "options");
        return self();
    }

    /** The threads' working folder. */
    public B cwd(Path folder) {
        this.thread = thread.toBuilder().cwd(Objects.requireNonNull(folder, "folder")).build();
        return self();
    }

    /** How codex's own requests (commands, file changes, MCP tools) are answered (default: fail closed). */
    public B approvals(ApprovalPolicy policy) {
        this.approvals = Objects.requireNonNull(policy, "policy");
        return self();
    }

    /** Each turn's limits (default 10 minutes); a turn waiting for the application's tool results counts. */
    public B limits(TurnLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
        return self();
    }

    /** Where conversation ids map to codex threads (default: in memory). */
    public B threadStore(ThreadStore store) {
        this.store = Objects.requireNonNull(store, "store");
        return self();
    }

    /**
     * The conversation a prompt belongs to (default: the {@link ChatMemory#CONVERSATION_ID} in
     * the options' tool context, where {@link CodexConversationAdvisor} puts it, else {@link CodexChatModel#DEFAULT_KEY}).
     */
    public B threadKey(Function<Prompt, String> key) {
        this.threadKey = Objects.requireNonNull(key, "key");
        return self();
    }

    /**
     * How long a codex tool call waits for the next prompt to bring its result (default 5
     * minutes; at most 9, below the library's own 10-minute deadline for a dynamic tool); then
     * the call fails and codex goes on without it.
     */
    public B toolResultTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(9)) > 0) {
            throw new IllegalArgumentException("toolResultTimeout must be positive and at most 9 minutes: " + timeout);
        }
        this.toolResultTimeout = timeout;
        return self();
    }

    /** The codex model, sent with each turn (default: codex's own setting); a prompt's model option replaces it. */
    public B modelName(@Nullable String model) {
        this.modelName = model;
        return self();
    }

    /** Any other session setting (rate limits, telemetry, hibernation), applied to each conversation's own session. */
    public B sessionSettings(Consumer<CodexSession.Builder> settings) {
        this.sessionSettings = Objects.requireNonNull(settings, "settings");
        return self();
    }

    /** Refuses settings that exclude each other; the builder's {@code build()} calls it first. */
    void check() {
        if (client != null && connection != null) {
            throw new IllegalStateException("give client(...) or connection(...), not both");
        }
        if (sessions != null && (client != null || connection != null)) {
            throw new IllegalStateException("give sessions(...) or client(...)/connection(...), not both");
        }
    }

    /** The conversations' sessions: from {@link #sessions}, else from the model's own client or connection and settings. */
    CodexChatModel.SessionFactory sessionFactory() {
        return sessions != null ? sessions : Conversations.ownSessions(client, connection, thread, approvals, limits, sessionSettings);
    }
}
