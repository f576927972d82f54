package dev.codexbridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.AskForApproval;
import dev.codexbridge.protocol.DynamicToolSpec;
import dev.codexbridge.protocol.SandboxMode;
import dev.codexbridge.protocol.ThreadResumeParams;
import dev.codexbridge.protocol.ThreadStartParams;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a thread is opened with: the same settings go into {@code thread/start} and, when the
 * thread is resumed after a restart or reconnect, into {@code thread/resume}. Built once and
 * shared by sessions, the CLI and the test kit. Unset values are left to codex's
 * {@code config.toml}.
 *
 * <pre>{@code
 * ThreadOptions.builder().cwd(workspace).askForApproval(AskForApproval.ON_REQUEST)
 *         .sandbox(SandboxMode.WORKSPACE_WRITE).build()
 * }</pre>
 */
public final class ThreadOptions {
    /** Codex's defaults, in this process's working directory. */
    public static final ThreadOptions DEFAULTS = builder().build();

    private final Path cwd;
    private final String model;
    private final AskForApproval askForApproval;
    private final SandboxMode sandbox;
    private final String baseInstructions;
    private final String developerInstructions;
    private final Map<String, Object> config;
    private final Boolean ephemeral;
    private final ObjectNode extraParams;

    private ThreadOptions(Builder b) {
        this.cwd = (b.cwd != null ? b.cwd : Paths.get("")).toAbsolutePath();
        this.model = b.model;
        this.askForApproval = b.askForApproval;
        this.sandbox = b.sandbox;
        this.baseInstructions = b.baseInstructions;
        this.developerInstructions = b.developerInstructions;
        this.config = Map.copyOf(b.config);
        this.ephemeral = b.ephemeral;
        this.extraParams = b.extraParams == null ? null : b.extraParams.deepCopy();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Codex's defaults in {@code cwd}: the common case. */
    public static ThreadOptions in(Path cwd) {
        return builder().cwd(cwd).build();
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.cwd = cwd;
        b.model = model;
        b.askForApproval = askForApproval;
        b.sandbox = sandbox;
        b.baseInstructions = baseInstructions;
        b.developerInstructions = developerInstructions;
        b.config.putAll(config);
        b.ephemeral = ephemeral;
        b.extraParams = extraParams;
        return b;
    }

    /** The thread's working directory, absolute (default: this process's). */
    public Path cwd() {
        return cwd;
    }

    /** The model, or null for codex's configured one. */
    public @Nullable String model() {
        return model;
    }

    /** When codex asks before acting (codex's {@code approvalPolicy}), or null for codex's configured one. */
    public @Nullable AskForApproval askForApproval() {
        return askForApproval;
    }

    /**
     * The old name of {@link #askForApproval()}.
     *
     * @deprecated renamed so that codex's setting is not confused with the library's
     *     {@code ApprovalPolicy}; removed in the next release
     */
    @Deprecated(since = "0.1.0", forRemoval = true)
    public @Nullable AskForApproval approvalPolicy() {
        return askForApproval;
    }

    public @Nullable SandboxMode sandbox() {
        return sandbox;
    }

    public @Nullable String baseInstructions() {
        return baseInstructions;
    }

    public @Nullable String developerInstructions() {
        return developerInstructions;
    }

    /** Per-thread {@code config.toml} overrides. */
    public Map<String, Object> config() {
        return config;
    }

    public @Nullable Boolean ephemeral() {
        return ephemeral;
    }

    /** A copy of the members sent as given beside the typed ones, or null when none are set. */
    public @Nullable ObjectNode extraParams() {
        return extraParams == null ? null : extraParams.deepCopy();
    }

    /** {@link #extraParams()} as JSON text, or null when there are none. */
    public @Nullable String extraParamsJson() {
        return Json.textOrNull(extraParams);
    }

    /** {@code thread/start}: these settings and the host's dynamic tools. */
    JsonNode startParams(List<DynamicToolSpec> dynamicTools) {
        ThreadStartParams typed = ThreadStartParams.builder()
                .cwd(cwd.toString())
                .model(model)
                .approvalPolicy(askForApproval)
                .sandbox(sandbox)
                .baseInstructions(baseInstructions)
                .developerInstructions(developerInstructions)
                .config(configTree())
                .ephemeral(ephemeral)
                .dynamicTools(dynamicTools.isEmpty() ? null : dynamicTools)
                .build();
        return withExtras(typed);
    }

    /**
     * {@code thread/resume} of {@code threadId} with these settings; {@code excludeTurns} keeps the
     * history in codex (nothing is sent back that the host already has).
     */
    JsonNode resumeParams(String threadId, boolean excludeTurns) {
        ThreadResumeParams typed = ThreadResumeParams.builder()
                .threadId(threadId)
                .cwd(cwd.toString())
                .model(model)
                .approvalPolicy(askForApproval)
                .sandbox(sandbox)
                .baseInstructions(baseInstructions)
                .developerInstructions(developerInstructions)
                .config(configTree())
                .excludeTurns(excludeTurns ? Boolean.TRUE : null)
                .build();
        return withExtras(typed);
    }

    private JsonNode configTree() {
        return config.isEmpty() ? null : Json.tree(config);
    }

    /** The extra members (for fields newer than the pinned codex), with the typed request over them. */
    private JsonNode withExtras(Object typed) {
        ObjectNode params = extraParams != null ? extraParams.deepCopy() : Json.object();
        params.setAll((ObjectNode) Json.tree(typed));
        return params;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ThreadOptions t && cwd.equals(t.cwd) && Objects.equals(model, t.model)
                && Objects.equals(askForApproval, t.askForApproval) && sandbox == t.sandbox
                && Objects.equals(baseInstructions, t.baseInstructions) && Objects.equals(developerInstructions, t.developerInstructions)
                && config.equals(t.config) && Objects.equals(ephemeral, t.ephemeral) && Objects.equals(extraParams, t.extraParams);
    }

    @Override
    public int hashCode() {
        return Objects.hash(cwd, model, askForApproval, sandbox, baseInstructions, developerInstructions, config, ephemeral, extraParams);
    }

    @Override
    public String toString() {
        // instructions and config values may be long or private: named, not shown
        return "ThreadOptions[cwd=" + cwd + ", model=" + model + ", askForApproval=" + askForApproval + ", sandbox=" + sandbox
                + ", config=" + config.keySet() + ", ephemeral=" + ephemeral + "]";
    }

    public static final class Builder {
        private Path cwd;
        private String model;
        private AskForApproval askForApproval;
        private SandboxMode sandbox;
        private String baseInstructions;
        private String developerInstructions;
        private final Map<String, Object> config = new LinkedHashMap<>();
        private Boolean ephemeral;
        private ObjectNode extraParams;

        private Builder() {
        }

        /** The thread's working directory (default: this process's). */
        public Builder cwd(@Nullable Path cwd) {
            this.cwd = cwd;
            return this;
        }

        public Builder model(@Nullable String model) {
            this.model = model;
            return this;
        }

        /**
         * When codex asks before acting, sent as {@code approvalPolicy} in {@code thread/start} and
         * {@code thread/resume}: {@link AskForApproval#UNTRUSTED}, {@link AskForApproval#ON_REQUEST},
         * {@link AskForApproval#NEVER}, or an {@link AskForApproval.Granular} policy (which kinds of
         * request codex may ask about). This is codex's setting; how the session answers what codex
         * asks is the library's {@code ApprovalPolicy}, given to {@code CodexSession.Builder#approvals}.
         */
        public Builder askForApproval(@Nullable AskForApproval policy) {
            this.askForApproval = policy;
            return this;
        }

        /**
         * {@link #askForApproval(AskForApproval)} by codex's wire name: {@code "untrusted"},
         * {@code "on-request"} or {@code "never"} ({@code granular} takes settings, so it is given
         * as an {@link AskForApproval.Granular}); an unknown name is refused here, not by codex.
         */
        public Builder askForApproval(@Nullable String policy) {
            if (policy == null) {
                this.askForApproval = null;
                return this;
            }
            AskForApproval parsed = Json.convert(Json.nodes().textNode(policy), AskForApproval.class);
            if (parsed instanceof AskForApproval.Unknown) {
                throw new IllegalArgumentException("unknown approval policy \"" + policy
                        + "\"; codex knows untrusted, on-request, never, and granular (an AskForApproval.Granular)");
            }
            this.askForApproval = parsed;
            return this;
        }

        /**
         * The old name of {@link #askForApproval(AskForApproval)}.
         *
         * @deprecated renamed so that codex's setting is not confused with the library's
         *     {@code ApprovalPolicy}; removed in the next release
         */
        @Deprecated(since = "0.1.0", forRemoval = true)
        public Builder approvalPolicy(@Nullable AskForApproval policy) {
            return askForApproval(policy);
        }

        /**
         * The old name of {@link #askForApproval(String)}.
         *
         * @deprecated renamed so that codex's setting is not confused with the library's
         *     {@code ApprovalPolicy}; removed in the next release
         */
        @Deprecated(since = "0.1.0", forRemoval = true)
        public Builder approvalPolicy(@Nullable String policy) {
            return askForApproval(policy);
        }

        /** The sandbox codex runs the thread's commands in. */
        public Builder sandbox(@Nullable SandboxMode mode) {
            this.sandbox = mode;
            return this;
        }

        /**
         * {@link #sandbox(SandboxMode)} by codex's wire name ({@code "read-only"},
         * {@code "workspace-write"}, {@code "danger-full-access"}); an unknown name is refused here.
         */
        public Builder sandbox(@Nullable String mode) {
            if (mode == null) {
                this.sandbox = null;
                return this;
            }
            SandboxMode parsed = Json.convert(Json.nodes().textNode(mode), SandboxMode.class);
            if (parsed == null || parsed == SandboxMode.UNKNOWN) {
                throw new IllegalArgumentException("unknown sandbox mode \"" + mode
                        + "\"; codex knows read-only, workspace-write, danger-full-access");
            }
            this.sandbox = parsed;
            return this;
        }

        public Builder baseInstructions(@Nullable String text) {
            this.baseInstructions = text;
            return this;
        }

        public Builder developerInstructions(@Nullable String text) {
            this.developerInstructions = text;
            return this;
        }

        /** A per-thread {@code config.toml} override (dotted keys work, e.g. {@code model_reasoning_effort}). */
        public Builder config(String key, Object value) {
            config.put(Objects.requireNonNull(key, "key"), value);
            return this;
        }

        public Builder ephemeral(boolean ephemeral) {
            this.ephemeral = ephemeral;
            return this;
        }

        /**
         * Members sent as given in {@code thread/start} and {@code thread/resume}, beside the typed
         * ones (a typed value set here wins): for fields newer than the pinned codex.
         */
        public Builder extraParams(@Nullable ObjectNode extra) {
            this.extraParams = extra == null ? null : extra.deepCopy();
            return this;
        }

        /** {@link #extraParams} as JSON text: a JSON object, or null for none. */
        public Builder extraParamsJson(@Nullable String extra) {
            return extraParams((ObjectNode) Json.parseHostJson(extra, "extraParamsJson", true));
        }

        public ThreadOptions build() {
            return new ThreadOptions(this);
        }
    }
}
