package dev.codexbridge.openai;

import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.session.CodexSession;
import java.util.Objects;

/**
 * Where the door gets its codex sessions: one per conversation, each its principal's. The
 * library's gateway is the usual source: its backend, settings, approval policy (fail-closed by
 * default), tenants, store and thread-access rule. The door asks no caller anything: what the
 * host's policy leaves open is declined.
 */
public interface OpenAiSessions {
    /** A new conversation of {@code principal}'s, its thread started. */
    CodexSession open(String principal);

    /** {@code principal}'s conversation on {@code threadId}, which the door does not hold open; refused for another's thread. */
    CodexSession resume(String principal, String threadId);

    /** Sessions from the library's gateway. */
    static OpenAiSessions of(CodexGateway gateway) {
        Objects.requireNonNull(gateway, "gateway");
        return new OpenAiSessions() {
            @Override
            public CodexSession open(String principal) {
                return gateway.open(principal, null);
            }

            @Override
            public CodexSession resume(String principal, String threadId) {
                return gateway.resume(principal, threadId, null);
            }
        };
    }
}
