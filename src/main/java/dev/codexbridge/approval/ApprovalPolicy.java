package dev.codexbridge.approval;

import dev.codexbridge.protocol.ChatgptAuthTokensRefreshParams;
import dev.codexbridge.protocol.ChatgptAuthTokensRefreshResponse;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * How server requests are answered, in order: automatic rules (auto-approve commands or file
 * changes; an allow-list of commands, {@link CommandRules}; MCP servers the host trusts), then the
 * host's {@link ApprovalHandler} with a deadline,
 * then fail closed. Without a handler everything that is not auto-approved is denied, and MCP
 * elicitations from untrusted servers are declined without asking. An
 * {@link ApprovalChoice#ALWAYS} answer is given as {@link ApprovalChoice#SESSION} unless the
 * builder's {@link Builder#alwaysMeansSession(boolean) alwaysMeansSession(false)} lets codex
 * write it into its home for good.
 */
public final class ApprovalPolicy {
    public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(5);

    private final boolean autoApproveCommands;
    private final CommandRules commandRules;
    private final boolean autoApproveFileChanges;
    private final Set<String> trustedMcpServers;
    private final ApprovalHandler handler;
    private final Duration deadline;
    private final Function<ChatgptAuthTokensRefreshParams, CompletionStage<ChatgptAuthTokensRefreshResponse>> authRefresh;
    private final boolean declinePermissions;
    private final boolean askAboutUntrustedMcpTools;
    private final boolean alwaysMeansSession;

    private ApprovalPolicy(Builder b) {
        this.autoApproveCommands = b.autoApproveCommands;
        this.commandRules = b.commandRules;
        this.autoApproveFileChanges = b.autoApproveFileChanges;
        this.trustedMcpServers = Set.copyOf(b.trustedMcpServers);
        this.handler = b.handler;
        this.deadline = b.deadline;
        this.authRefresh = b.authRefresh;
        this.declinePermissions = b.declinePermissions;
        this.askAboutUntrustedMcpTools = b.askAboutUntrustedMcpTools;
        this.alwaysMeansSession = b.alwaysMeansSession;
    }

    /** Denies everything: the safe default. */
    public static ApprovalPolicy failClosed() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Only the {@code trusted} servers' MCP tools run: their tool calls run without asking and
     * every other server's are declined without asking; permission requests are declined without
     * asking, "always" is taken as "for this session" (nothing is persisted in codex's
     * execpolicy; the library's default too), and commands and patches go to {@code handler}.
     * How this and the library's default differ: see docs/session.md.
     */
    public static ApprovalPolicy trustedServersOnly(ApprovalHandler handler, String... trusted) {
        Builder b = builder().handler(handler).declinePermissions(true).askAboutUntrustedMcpTools(false)
                .alwaysMeansSession(true);
        for (String server : trusted) {
            b.trustMcpServer(server);
        }
        return b.build();
    }

    /**
     * This policy with a remote caller behind it: what its rules leave open goes to the host's
     * {@link #handler()} as before, and only what the handler leaves to the caller
     * ({@link ApprovalDecision#leaveToCaller()}) — or, without a host handler, everything the rules
     * leave open — goes to {@code caller} (an A2A task's {@code input-required}, an MCP
     * elicitation). What the rules or the host decline is declined; the caller is never asked. The
     * rules, deadline and the other settings stay the host's. A null {@code caller} gives this
     * policy unchanged (decision 0043).
     */
    public ApprovalPolicy withCaller(@Nullable ApprovalHandler caller) {
        if (caller == null) {
            return this;
        }
        return toBuilder().handler(new CallerHandoff(handler, caller)).build();
    }

    /** A builder holding this policy's settings, to change some of them. */
    public Builder toBuilder() {
        Builder b = builder().autoApproveCommands(autoApproveCommands).commandRules(commandRules)
                .autoApproveFileChanges(autoApproveFileChanges).handler(handler).deadline(deadline).authRefresh(authRefresh)
                .declinePermissions(declinePermissions).askAboutUntrustedMcpTools(askAboutUntrustedMcpTools)
                .alwaysMeansSession(alwaysMeansSession);
        trustedMcpServers.forEach(b::trustMcpServer);
        return b;
    }

    /** Permission requests are declined without asking the handler. */
    public boolean declinePermissions() {
        return declinePermissions;
    }

    /** Whether an MCP tool call of a server the host does not trust goes to the handler (else: declined). */
    public boolean askAboutUntrustedMcpTools() {
        return askAboutUntrustedMcpTools;
    }

    /**
     * "Always" answers are given as "for this session": no execpolicy amendment, no persisted MCP
     * approval. True unless the builder was told otherwise (decision 0019).
     */
    public boolean alwaysMeansSession() {
        return alwaysMeansSession;
    }

    public boolean autoApproveCommands() {
        return autoApproveCommands;
    }

    /** The allow-list commands are decided by, or null (commands go to the handler). */
    public @Nullable CommandRules commandRules() {
        return commandRules;
    }

    public boolean autoApproveFileChanges() {
        return autoApproveFileChanges;
    }

    public boolean trusts(@Nullable String mcpServer) {
        return mcpServer != null && trustedMcpServers.contains(mcpServer);
    }

    /** The host's handler, or null: what no rule or setting answers is denied (fail closed). */
    public @Nullable ApprovalHandler handler() {
        return handler;
    }

    public Duration deadline() {
        return deadline;
    }

    /** Answers {@code account/chatgptAuthTokens/refresh}; null when the host has none. */
    public @Nullable Function<ChatgptAuthTokensRefreshParams, CompletionStage<ChatgptAuthTokensRefreshResponse>> authRefresh() {
        return authRefresh;
    }

    public static final class Builder {
        private boolean autoApproveCommands;
        private CommandRules commandRules;
        private boolean autoApproveFileChanges;
        private final Set<String> trustedMcpServers = new LinkedHashSet<>();
        private ApprovalHandler handler;
        private Duration deadline = DEFAULT_DEADLINE;
        private Function<ChatgptAuthTokensRefreshParams, CompletionStage<ChatgptAuthTokensRefreshResponse>> authRefresh;
        private boolean declinePermissions;
        private boolean askAboutUntrustedMcpTools = true;
        private boolean alwaysMeansSession = true;

        private Builder() {
        }

        /**
         * Run every command codex asks about without asking the host: all or nothing. For some
         * commands only, use {@link #commandRules}.
         */
        public Builder autoApproveCommands(boolean on) {
            this.autoApproveCommands = on;
            return this;
        }

        /**
         * Decide commands by an allow-list ({@link CommandRules}): an allowed command runs without
         * asking; any other is denied without asking, with the rules' reason as the decision's
         * note, or goes to the handler when the rules say {@link CommandRules#askHandlerForOthers()}.
         * Not together with {@link #autoApproveCommands(boolean) autoApproveCommands(true)}.
         */
        public Builder commandRules(@Nullable CommandRules rules) {
            this.commandRules = rules;
            return this;
        }

        /** Apply every patch codex asks about without asking the host. */
        public Builder autoApproveFileChanges(boolean on) {
            this.autoApproveFileChanges = on;
            return this;
        }

        /** Tool calls of this MCP server run without asking; its elicitations go to the handler. */
        public Builder trustMcpServer(String name) {
            trustedMcpServers.add(Objects.requireNonNull(name, "name"));
            return this;
        }

        public Builder handler(@Nullable ApprovalHandler handler) {
            this.handler = handler;
            return this;
        }

        /** How long the handler may take before the request is denied (default 5 minutes). */
        public Builder deadline(Duration deadline) {
            if (deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("deadline must be positive");
            }
            this.deadline = deadline;
            return this;
        }

        public Builder authRefresh(
                @Nullable Function<ChatgptAuthTokensRefreshParams, CompletionStage<ChatgptAuthTokensRefreshResponse>> refresh) {
            this.authRefresh = refresh;
            return this;
        }

        /** Decline permission requests without asking (default: ask the handler). */
        public Builder declinePermissions(boolean on) {
            this.declinePermissions = on;
            return this;
        }

        /** Ask the handler about MCP tool calls of untrusted servers (default true; false declines them). */
        public Builder askAboutUntrustedMcpTools(boolean on) {
            this.askAboutUntrustedMcpTools = on;
            return this;
        }

        /**
         * Treat ALWAYS as SESSION, so nothing outlives the session (default true). {@code false}
         * lets an ALWAYS answer write the rule codex offers into its home, for every later session
         * and process on it ({@link ApprovalChoice#ALWAYS}, {@link ApprovalRequest#persistentRule()}):
         * for hosts whose user saw that rule and chose it.
         */
        public Builder alwaysMeansSession(boolean on) {
            this.alwaysMeansSession = on;
            return this;
        }

        /** Throws {@link IllegalStateException} for rules that contradict each other. */
        public ApprovalPolicy build() {
            if (autoApproveCommands && commandRules != null) {
                throw new IllegalStateException("autoApproveCommands(true) runs every command, so commandRules(...) would "
                        + "never be asked: set one of them");
            }
            return new ApprovalPolicy(this);
        }
    }
}
