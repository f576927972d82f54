package dev.codexbridge.openai;

import org.jspecify.annotations.Nullable;

/**
 * The caller's answer to what a held turn asked ({@link HeldTurn}): a function call's output
 * ({@code function_call_output}, a Chat Completions {@code tool} message) or an approval
 * ({@code mcp_approval_response}).
 *
 * @param id      the call id or the approval request id it answers
 * @param output  the call's output; null for an approval
 * @param approve the approval's answer (false for a call)
 * @param reason  why, for an approval; or null
 */
record CallerAnswer(String id, @Nullable String output, boolean approve, @Nullable String reason) {
    boolean approval() {
        return output == null;
    }

    static CallerAnswer output(String callId, String output) {
        return new CallerAnswer(callId, output, false, null);
    }

    static CallerAnswer approval(String requestId, boolean approve, @Nullable String reason) {
        return new CallerAnswer(requestId, null, approve, reason);
    }
}
