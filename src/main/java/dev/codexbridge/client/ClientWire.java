package dev.codexbridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.json.Json;
import dev.codexbridge.json.JsonFormatException;
import dev.codexbridge.observe.TelemetryHooks;

/** What a request of the client's carries beside its params, and how its answer becomes the caller's type. */
final class ClientWire {
    private ClientWire() {
    }

    /** Codex's {@code trace} member of a request: {@code {"traceparent": …, "tracestate": …}}, or null for none. */
    static JsonNode traceMember(TelemetryHooks.TraceContext context) {
        if (context == null) {
            return null;
        }
        ObjectNode trace = Json.object().put("traceparent", context.traceparent());
        if (context.tracestate() != null) {
            trace.put("tracestate", context.tracestate());
        }
        return trace;
    }

    static <R> R decode(String method, JsonNode result, Class<R> type) {
        if (type == Void.class) {
            return null;
        }
        if (type == JsonNode.class) {
            return type.cast(result);
        }
        try {
            return Json.convert(result, type);
        } catch (JsonFormatException e) {
            throw new CodexException("codex answered " + method + " with a result that does not fit "
                    + type.getSimpleName() + ": " + UntrustedText.of(e.getMessage()), e);
        }
    }
}
