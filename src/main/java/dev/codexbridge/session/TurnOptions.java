package dev.codexbridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;

/**
 * Per-turn settings. Model, effort, sandbox policy and approval policy persist in codex for later
 * turns too (codex's semantics); the output schema and the limits apply to this turn only. A null
 * field means "the session's default".
 *
 * @param sandboxPolicy   a {@code SandboxPolicy} object, e.g. {@code {"type":"workspaceWrite","networkAccess":true}}
 * @param approvalPolicy  {@code "untrusted" | "on-request" | "never"} or a granular object
 * @param outputSchema    JSON Schema the final message must follow (structured output)
 * @param turnTimeout     wall-clock limit; zero disables it
 * @param idleTimeout     limit on time without progress for this turn; zero disables it
 * @param maxSteps        agent actions before the turn is interrupted; zero means no budget
 * @param streamTranscript the transcript goes only to the listener ({@link TurnListener#onTranscript}),
 *                        as the turn produces it, and {@link TurnResult#messages()} stays empty: a turn
 *                        then holds no more memory for a long transcript than for a short one
 */
public record TurnOptions(
        String model,
        String effort,
        JsonNode sandboxPolicy,
        JsonNode approvalPolicy,
        JsonNode outputSchema,
        Duration turnTimeout,
        Duration idleTimeout,
        Integer maxSteps,
        ObjectNode extraParams,
        boolean streamTranscript) {

    public static final TurnOptions DEFAULTS = new TurnOptions(null, null, null, null, null, null, null, null, null, false);

    /** Options that keep the transcript in the result, as before {@code streamTranscript} existed. */
    public TurnOptions(String model, String effort, JsonNode sandboxPolicy, JsonNode approvalPolicy, JsonNode outputSchema,
                       Duration turnTimeout, Duration idleTimeout, Integer maxSteps, ObjectNode extraParams) {
        this(model, effort, sandboxPolicy, approvalPolicy, outputSchema, turnTimeout, idleTimeout, maxSteps, extraParams, false);
    }

    public TurnOptions withModel(String m) {
        return new TurnOptions(m, effort, sandboxPolicy, approvalPolicy, outputSchema, turnTimeout, idleTimeout, maxSteps, extraParams, streamTranscript);
    }

    public TurnOptions withEffort(String e) {
        return new TurnOptions(model, e, sandboxPolicy, approvalPolicy, outputSchema, turnTimeout, idleTimeout, maxSteps, extraParams, streamTranscript);
    }

    public TurnOptions withSandboxPolicy(JsonNode p) {
        return new TurnOptions(model, effort, p, approvalPolicy, outputSchema, turnTimeout, idleTimeout, maxSteps, extraParams, streamTranscript);
    }

    public TurnOptions withApprovalPolicy(JsonNode p) {
        return new TurnOptions(model, effort, sandboxPolicy, p, outputSchema, turnTimeout, idleTimeout, maxSteps, extraParams, streamTranscript);
    }

    public TurnOptions withOutputSchema(JsonNode s) {
        return new TurnOptions(model, effort, sandboxPolicy, approvalPolicy, s, turnTimeout, idleTimeout, maxSteps, extraParams, streamTranscript);
    }

    public TurnOptions withTimeouts(Duration turn, Duration idle) {
        return new TurnOptions(model, effort, sandboxPolicy, approvalPolicy, outputSchema, turn, idle, maxSteps, extraParams, streamTranscript);
    }

    public TurnOptions withMaxSteps(int steps) {
        return new TurnOptions(model, effort, sandboxPolicy, approvalPolicy, outputSchema, turnTimeout, idleTimeout, steps, extraParams, streamTranscript);
    }

    /** Extra {@code turn/start} params passed as given (e.g. {@code collaborationMode}). */
    public TurnOptions withExtraParams(ObjectNode extra) {
        return new TurnOptions(model, effort, sandboxPolicy, approvalPolicy, outputSchema, turnTimeout, idleTimeout, maxSteps, extra, streamTranscript);
    }

    /** See {@code streamTranscript}: the transcript to the listener only, none of it kept in the result. */
    public TurnOptions withStreamedTranscript(boolean stream) {
        return new TurnOptions(model, effort, sandboxPolicy, approvalPolicy, outputSchema, turnTimeout, idleTimeout, maxSteps, extraParams, stream);
    }
}
