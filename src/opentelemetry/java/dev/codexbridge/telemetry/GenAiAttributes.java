package dev.codexbridge.telemetry;

import io.opentelemetry.api.common.AttributeKey;

/**
 * The attribute keys used: the GenAI conventions' own, {@code error.type}, and the library's
 * ({@code codex_bridge.*}) for what the conventions do not name.
 */
final class GenAiAttributes {
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER_NAME = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> AGENT_NAME = AttributeKey.stringKey("gen_ai.agent.name");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> CONVERSATION_ID = AttributeKey.stringKey("gen_ai.conversation.id");
    static final AttributeKey<Long> USAGE_INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> USAGE_OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<String> TOKEN_TYPE = AttributeKey.stringKey("gen_ai.token.type");
    static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
    static final AttributeKey<String> TOOL_TYPE = AttributeKey.stringKey("gen_ai.tool.type");
    static final AttributeKey<String> TOOL_CALL_ID = AttributeKey.stringKey("gen_ai.tool.call.id");
    static final AttributeKey<String> TOOL_CALL_ARGUMENTS = AttributeKey.stringKey("gen_ai.tool.call.arguments");
    static final AttributeKey<String> TOOL_CALL_RESULT = AttributeKey.stringKey("gen_ai.tool.call.result");
    static final AttributeKey<String> INPUT_MESSAGES = AttributeKey.stringKey("gen_ai.input.messages");
    static final AttributeKey<String> OUTPUT_MESSAGES = AttributeKey.stringKey("gen_ai.output.messages");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    /** The version of the codex that runs the turn, from its {@code initialize} answer (it may be newer than the pinned one). */
    static final AttributeKey<String> CODEX_VERSION = AttributeKey.stringKey("codex_bridge.codex.version");
    static final AttributeKey<String> TURN_ID = AttributeKey.stringKey("codex_bridge.turn.id");
    static final AttributeKey<String> TURN_STATUS = AttributeKey.stringKey("codex_bridge.turn.status");
    static final AttributeKey<String> STOP_REASON = AttributeKey.stringKey("codex_bridge.turn.stop_reason");
    static final AttributeKey<Long> TURN_ATTEMPTS = AttributeKey.longKey("codex_bridge.turn.attempts");
    static final AttributeKey<Long> TURN_STEPS = AttributeKey.longKey("codex_bridge.turn.steps");
    static final AttributeKey<Boolean> TURN_ATTACHED = AttributeKey.booleanKey("codex_bridge.turn.attached");
    static final AttributeKey<String> TOOL_STATUS = AttributeKey.stringKey("codex_bridge.tool.status");
    static final AttributeKey<String> MCP_SERVER = AttributeKey.stringKey("codex_bridge.mcp.server");
    static final AttributeKey<Long> EXIT_CODE = AttributeKey.longKey("process.exit.code");
    static final AttributeKey<String> APPROVAL_KIND = AttributeKey.stringKey("codex_bridge.approval.kind");
    static final AttributeKey<String> APPROVAL_DECISION = AttributeKey.stringKey("codex_bridge.approval.decision");
    static final AttributeKey<Long> RATE_LIMIT_ATTEMPT = AttributeKey.longKey("codex_bridge.rate_limit.attempt");
    static final AttributeKey<String> RATE_LIMIT_TYPE = AttributeKey.stringKey("codex_bridge.rate_limit.type");
    static final AttributeKey<String> THREAD_OLD = AttributeKey.stringKey("codex_bridge.thread.replaced_id");
    /** How long a turn was without its connection before it was followed again (codex-bridge's own). */
    static final AttributeKey<Long> REATTACH_GAP_MS = AttributeKey.longKey("codex_bridge.turn.reattach_gap_ms");

    static final AttributeKey<String> CLIENT = AttributeKey.stringKey("codex_bridge.client");
    static final AttributeKey<Long> RECONNECT_LOST_CONNECTION = AttributeKey.longKey("codex_bridge.reconnect.lost_connection");
    static final AttributeKey<String> RECONNECT_CAUSE = AttributeKey.stringKey("codex_bridge.reconnect.cause");
    static final AttributeKey<Long> RECONNECT_ATTEMPTS = AttributeKey.longKey("codex_bridge.reconnect.attempts");
    static final AttributeKey<Long> RECONNECT_GENERATION = AttributeKey.longKey("codex_bridge.reconnect.connection");
    static final AttributeKey<Long> RECONNECT_RESUMES = AttributeKey.longKey("codex_bridge.reconnect.resumes");
    static final AttributeKey<Long> RECONNECT_RESUMES_FAILED = AttributeKey.longKey("codex_bridge.reconnect.resumes_failed");
    static final AttributeKey<String> POOL_ENDPOINT = AttributeKey.stringKey("codex_bridge.pool.endpoint");

    private GenAiAttributes() {
    }
}
