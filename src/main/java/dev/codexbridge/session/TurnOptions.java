package dev.codexbridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.AskForApproval;
import dev.codexbridge.protocol.SandboxPolicy;
import dev.codexbridge.protocol.TurnStartParams;
import dev.codexbridge.protocol.UserInput;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Per-turn settings. Model, effort, sandbox policy and {@code askForApproval} (codex's
 * {@code approvalPolicy}: when codex asks before acting) persist in codex for later
 * turns too (codex's semantics); the output schema and the limits apply to this turn only. A null
 * component means "the session's default".
 *
 * <pre>{@code
 * TurnOptions.builder().effort("high").askForApproval(AskForApproval.NEVER)
 *         .limits(TurnLimits.INHERIT.withMaxSteps(20)).build()
 * }</pre>
 *
 * @param askForApproval   when codex asks before acting, sent as {@code approvalPolicy}; how the
 *                         session answers is the library's {@code ApprovalPolicy}
 * @param effort           reasoning effort by codex's name ({@code "low"}, {@code "medium"},
 *                         {@code "high"}…); the pinned schema types it as a string
 * @param sandboxPolicy    e.g. {@code new SandboxPolicy.WorkspaceWrite(...)}
 * @param outputSchema     JSON Schema the final message must follow (structured output); as text:
 *                         {@link #outputSchemaJson()}, {@link Builder#outputSchemaJson(String)}
 * @param limits           this turn's limits; null components are the session's
 * @param extraParams      {@code turn/start} members sent as given beside the typed ones (a typed
 *                         value set here wins): for fields newer than the pinned codex; as text:
 *                         {@link #extraParamsJson()}, {@link Builder#extraParamsJson(String)}
 * @param streamTranscript the transcript goes only to the listener ({@link TurnListener#onTranscript}),
 *                         as the turn produces it, and {@link TurnResult#messages()} stays empty: a turn
 *                         then holds no more memory for a long transcript than for a short one
 * @param key              the turn's key, unique on its thread, or null for one the library makes
 *                         ({@link TurnHandle#key()}): a host that writes it down before starting
 *                         the turn finds the turn again after its own restart with
 *                         {@link CodexSession#findTurn}. Sent as {@code clientUserMessageId},
 *                         which codex keeps on the turn's user message
 */
public record TurnOptions(
        @Nullable String model,
        @Nullable String effort,
        @Nullable SandboxPolicy sandboxPolicy,
        @Nullable AskForApproval askForApproval,
        @Nullable JsonNode outputSchema,
        TurnLimits limits,
        @Nullable ObjectNode extraParams,
        boolean streamTranscript,
        @Nullable String key) {

    public static final TurnOptions DEFAULTS = builder().build();

    /** Longest key accepted: codex stores it with the user message of every turn. */
    public static final int MAX_KEY_LENGTH = 200;

    public TurnOptions {
        limits = limits == null ? TurnLimits.INHERIT : limits;
        if (key != null) {
            checkKey(key);
        }
    }

    private static void checkKey(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("a turn key has 1 to " + MAX_KEY_LENGTH + " characters, not " + key.length());
        }
        if (key.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("a turn key has no control characters");
        }
    }

    /** Options without a key of the host's. */
    public TurnOptions(@Nullable String model, @Nullable String effort, @Nullable SandboxPolicy sandboxPolicy,
                       @Nullable AskForApproval askForApproval, @Nullable JsonNode outputSchema, @Nullable TurnLimits limits,
                       @Nullable ObjectNode extraParams, boolean streamTranscript) {
        this(model, effort, sandboxPolicy, askForApproval, outputSchema, limits, extraParams, streamTranscript, null);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().model(model).effort(effort).sandboxPolicy(sandboxPolicy).askForApproval(askForApproval)
                .outputSchema(outputSchema).limits(limits).extraParams(extraParams).streamTranscript(streamTranscript).key(key);
    }

    public TurnOptions withModel(@Nullable String m) {
        return toBuilder().model(m).build();
    }

    public TurnOptions withEffort(@Nullable String e) {
        return toBuilder().effort(e).build();
    }

    public TurnOptions withSandboxPolicy(@Nullable SandboxPolicy p) {
        return toBuilder().sandboxPolicy(p).build();
    }

    public TurnOptions withAskForApproval(@Nullable AskForApproval p) {
        return toBuilder().askForApproval(p).build();
    }

    /**
     * The old name of {@link #withAskForApproval}.
     *
     * @deprecated renamed so that codex's setting is not confused with the library's
     *     {@code ApprovalPolicy}; removed in the next release
     */
    @Deprecated(since = "0.1.0", forRemoval = true)
    public TurnOptions withApprovalPolicy(@Nullable AskForApproval p) {
        return withAskForApproval(p);
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

    public TurnOptions withOutputSchema(@Nullable JsonNode s) {
        return toBuilder().outputSchema(s).build();
    }

    /** {@link #withOutputSchema} from JSON text (a JSON object, or null for none). */
    public TurnOptions withOutputSchemaJson(@Nullable String schema) {
        return toBuilder().outputSchemaJson(schema).build();
    }

    /** The output schema as JSON text, or null when the turn has none. */
    public @Nullable String outputSchemaJson() {
        return Json.textOrNull(outputSchema);
    }

    public TurnOptions withLimits(@Nullable TurnLimits l) {
        return toBuilder().limits(l).build();
    }

    /** This turn's wall-clock and idle limits (zero disables one), its step budget kept. */
    public TurnOptions withTimeouts(@Nullable Duration turn, @Nullable Duration idle) {
        return withLimits(limits.withTimeouts(turn, idle));
    }

    public TurnOptions withMaxSteps(int steps) {
        return withLimits(limits.withMaxSteps(steps));
    }

    /** Extra {@code turn/start} params passed as given (e.g. {@code collaborationMode}). */
    public TurnOptions withExtraParams(@Nullable ObjectNode extra) {
        return toBuilder().extraParams(extra).build();
    }

    /** See {@code key}: the host's own key for this turn. */
    public TurnOptions withKey(String k) {
        return toBuilder().key(k).build();
    }

    /** {@link #withExtraParams} from JSON text (a JSON object, or null for none). */
    public TurnOptions withExtraParamsJson(@Nullable String extra) {
        return toBuilder().extraParamsJson(extra).build();
    }

    /** The extra {@code turn/start} params as JSON text, or null when there are none. */
    public @Nullable String extraParamsJson() {
        return Json.textOrNull(extraParams);
    }

    /** See {@code streamTranscript}: the transcript to the listener only, none of it kept in the result. */
    public TurnOptions withStreamedTranscript(boolean stream) {
        return toBuilder().streamTranscript(stream).build();
    }

    /**
     * {@code turn/start} for {@code input} on {@code threadId}: the extra members, and the typed
     * request over them; {@code clientMessageId} names the turn's user message in codex's record.
     */
    JsonNode turnStartParams(String threadId, List<UserInput> input, String clientMessageId) {
        TurnStartParams typed = TurnStartParams.builder()
                .threadId(threadId)
                .clientUserMessageId(clientMessageId)
                .input(input)
                .model(model)
                .effort(effort)
                .sandboxPolicy(sandboxPolicy)
                .approvalPolicy(askForApproval)
                .outputSchema(outputSchema)
                .build();
        ObjectNode params = extraParams != null ? extraParams.deepCopy() : Json.object();
        params.setAll((ObjectNode) Json.tree(typed));
        return params;
    }

    public static final class Builder {
        private String model;
        private String effort;
        private SandboxPolicy sandboxPolicy;
        private AskForApproval askForApproval;
        private JsonNode outputSchema;
        private TurnLimits limits = TurnLimits.INHERIT;
        private ObjectNode extraParams;
        private boolean streamTranscript;
        private String key;

        private Builder() {
        }

        public Builder model(@Nullable String model) {
            this.model = model;
            return this;
        }

        public Builder effort(@Nullable String effort) {
            this.effort = effort;
            return this;
        }

        public Builder sandboxPolicy(@Nullable SandboxPolicy policy) {
            this.sandboxPolicy = policy;
            return this;
        }

        /** When codex asks before acting, from this turn on (codex's {@code approvalPolicy}). */
        public Builder askForApproval(@Nullable AskForApproval policy) {
            this.askForApproval = policy;
            return this;
        }

        /**
         * The old name of {@link #askForApproval}.
         *
         * @deprecated renamed so that codex's setting is not confused with the library's
         *     {@code ApprovalPolicy}; removed in the next release
         */
        @Deprecated(since = "0.1.0", forRemoval = true)
        public Builder approvalPolicy(@Nullable AskForApproval policy) {
            return askForApproval(policy);
        }

        public Builder outputSchema(@Nullable JsonNode schema) {
            this.outputSchema = schema;
            return this;
        }

        /**
         * The output schema as JSON text (a JSON object, or null for none), for a host that keeps
         * its JSON in another library than Jackson 2. Malformed text is an
         * {@link IllegalArgumentException}.
         */
        public Builder outputSchemaJson(@Nullable String schema) {
            return outputSchema(Json.parseHostJson(schema, "outputSchemaJson", true));
        }

        public Builder limits(@Nullable TurnLimits limits) {
            this.limits = limits;
            return this;
        }

        public Builder extraParams(@Nullable ObjectNode extra) {
            this.extraParams = extra;
            return this;
        }

        /** {@link #extraParams} as JSON text: a JSON object, or null for none. */
        public Builder extraParamsJson(@Nullable String extra) {
            return extraParams((ObjectNode) Json.parseHostJson(extra, "extraParamsJson", true));
        }

        public Builder streamTranscript(boolean stream) {
            this.streamTranscript = stream;
            return this;
        }

        /**
         * The turn's key (see the record's {@code key}): at most {@link #MAX_KEY_LENGTH} characters,
         * none of them a control character; unique on the thread.
         */
        public Builder key(@Nullable String key) {
            this.key = key;
            return this;
        }

        public TurnOptions build() {
            return new TurnOptions(model, effort, sandboxPolicy, askForApproval, outputSchema, limits, extraParams, streamTranscript, key);
        }
    }
}
