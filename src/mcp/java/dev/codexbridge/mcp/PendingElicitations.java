package dev.codexbridge.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The elicitations the server asked and the client has not answered, so that a withdrawn one can
 * be cancelled at the client ({@code notifications/cancelled} names the request's JSON-RPC id).
 * The SDK does not tell its caller the id of the request it sends, so each elicitation carries a
 * mark in its {@code _meta}; the transports' outgoing messages pass through {@link #onOutgoing},
 * which notes the id and where the request went, and takes the mark out before the client sees it.
 */
final class PendingElicitations {
    static final String MARK = "dev.codexbridge/elicitation";

    /** Where a message can be added to what the client reads: the stdio output, or the call's SSE stream. */
    interface Outlet {
        void send(String message);
    }

    private record Sent(JsonNode requestId, Outlet outlet) {
    }

    private final Set<String> asked = ConcurrentHashMap.newKeySet();
    private final Map<String, Sent> sent = new ConcurrentHashMap<>();

    /** A new mark, for an elicitation about to be sent. */
    String mark() {
        String m = UUID.randomUUID().toString();
        asked.add(m);
        return m;
    }

    /** One outgoing message as text: the text to send instead (the mark taken out of an elicitation). */
    String onOutgoing(String text, Outlet outlet) {
        if (!text.contains(MARK)) {
            return text;
        }
        JsonNode m;
        try {
            m = Json.mapper().readTree(text);
        } catch (Exception e) {
            return text;
        }
        JsonNode meta = m == null ? null : m.path("params").path("_meta");
        if (meta == null || !meta.isObject() || !meta.path(MARK).isTextual() || !m.has("id")) {
            return text;
        }
        String mark = ((ObjectNode) meta).remove(MARK).asText();
        if (asked.remove(mark)) {
            sent.put(mark, new Sent(m.get("id"), outlet));
        }
        return Json.write(m);
    }

    /** Answered, or no longer asked: nothing to cancel any more. */
    void settled(String mark) {
        asked.remove(mark);
        sent.remove(mark);
    }

    /** The elicitation is withdrawn: the client is told by {@code notifications/cancelled}; false when it was never sent. */
    boolean withdraw(String mark, String reason) {
        asked.remove(mark);
        Sent s = sent.remove(mark);
        if (s == null) {
            return false;
        }
        ObjectNode n = Json.mapper().createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/cancelled");
        n.putObject("params").put("reason", reason).set("requestId", s.requestId());
        s.outlet().send(Json.write(n));
        return true;
    }

    int size() {
        return asked.size() + sent.size();
    }
}
