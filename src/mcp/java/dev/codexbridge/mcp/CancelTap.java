package dev.codexbridge.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads the client's messages before the SDK does: stamps each {@code tools/call} with its
 * JSON-RPC id and channel under {@code _meta} (the SDK does not give a handler its request's id,
 * and a {@code notifications/cancelled} names that id), and hands each cancellation to
 * {@link Cancellations}. Stamps a client sent itself are overwritten, so a client cannot aim at
 * another channel's calls. Anything that is not JSON passes unchanged for the SDK to refuse.
 */
final class CancelTap {
    static final String REQUEST_ID = "dev.codexbridge/requestId";
    static final String CHANNEL = "dev.codexbridge/channel";

    private final Cancellations cancellations;

    CancelTap(Cancellations cancellations) {
        this.cancellations = cancellations;
    }

    /** One message (or batch) as text: the text the SDK should read instead. */
    String onMessage(String text, String channel) {
        JsonNode node;
        try {
            node = Json.mapper().readTree(text);
        } catch (Exception e) {
            return text;
        }
        if (node == null) {
            return text;
        }
        boolean changed = false;
        if (node.isArray()) {
            for (JsonNode m : node) {
                changed |= onOne(m, channel);
            }
        } else {
            changed = onOne(node, channel);
        }
        return changed ? Json.write(node) : text;
    }

    private boolean onOne(JsonNode m, String channel) {
        if (!m.isObject()) {
            return false;
        }
        String method = m.path("method").asText("");
        if ("notifications/cancelled".equals(method)) {
            JsonNode id = m.path("params").path("requestId");
            if (!id.isMissingNode() && !id.isNull()) {
                cancellations.cancel(channel, id.toString());
            }
            return false;
        }
        if ("tools/call".equals(method) && m.has("id") && m.path("params").isObject()) {
            ObjectNode params = (ObjectNode) m.path("params");
            JsonNode meta = params.path("_meta");
            ObjectNode stamped = meta.isObject() ? (ObjectNode) meta : params.putObject("_meta");
            stamped.put(REQUEST_ID, m.get("id").toString());
            stamped.put(CHANNEL, channel);
            return true;
        }
        return false;
    }

    static @Nullable String requestId(@Nullable Map<String, Object> meta) {
        return meta != null && meta.get(REQUEST_ID) instanceof String s ? s : null;
    }

    static @Nullable String channel(@Nullable Map<String, Object> meta) {
        return meta != null && meta.get(CHANNEL) instanceof String s ? s : null;
    }
}
