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
        ObjectNode extraParams) {

    public static final TurnOptions DEFAULTS = new TurnOptions(null, null, null, null, null, null, null, null, null);

    public TurnOptions withModel(String m) {
        return new TurnOptions(m, effort, sandboxPolicy, approvalPolicy, outputSchema, turnTimeout, idleTimeout, maxSteps, extraParams);
    }

    public TurnOptions withEffort(String e) {
        return new TurnOptions(model, e, sandboxPolicy, approvalPolicy, outputSchema, turnTimeout, idleTimeout, maxSteps, extraParams);
    }

    public TurnOptions withSandboxPolicy(JsonNode p) {
        return new TurnOptions(model, effort, p, approvalPolicy, outputSchema, turnTimeout, idleTimeout, maxSteps, extraParams);
    }

    public TurnOptions withApprovalPolicy(JsonNode p) {
        return new TurnOptions(model, effort, sandboxPolicy, p, outputSchema, turnTimeout, idleTimeout, maxSteps, extraParams);
    }

    public TurnOptions withOutputSchema(JsonNode s) {
        return new TurnOptions(model, effort, sandboxPolicy, approvalPolicy, s, turnTimeout, idleTimeout, maxSteps, extraParams);
    }

    public TurnOptions withTimeouts(Duration turn, Duration idle) {
        return new TurnOptions(model, effort, sandboxPolicy, approvalPolicy, outputSchema, turn, idle, maxSteps, extraParams);
    }

    public TurnOptions withMaxSteps(int steps) {
        return new TurnOptions(model, effort, sandboxPolicy, approvalPolicy, outputSchema, turnTimeout, idleTimeout, steps, extraParams);
    }

    /** Extra {@code turn/start} params passed as given (e.g. {@code collaborationMode}). */
    public TurnOptions withExtraParams(ObjectNode extra) {
        return new TurnOptions(model, effort, sandboxPolicy, approvalPolicy, outputSchema, turnTimeout, idleTimeout, maxSteps, extra);
    }
}
