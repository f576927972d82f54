package dev.codexbridge.protocol;

import dev.codexbridge.internal.SafeLogger;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.json.JsonFormatException;
import org.slf4j.Logger;

/**
 * Decodes codex's params into the generated protocol types. A message whose method is unknown, or
 * whose params do not fit the pinned schema, becomes an {@code Unknown} that keeps the JSON: a
 * newer codex must never make a message disappear. Hand-written; the one place params are decoded
 * (the client's events, and the projector's and the bridge's JSON conveniences).
 */
public final class ProtocolDecoder {
    private static final Logger LOG = SafeLogger.getLogger(ProtocolDecoder.class);

    private ProtocolDecoder() {
    }

    public static ServerNotification notification(String method, JsonNode params) {
        NotificationMethod<?> m = ServerNotifications.BY_METHOD.get(method);
        if (m != null && ServerNotification.class.isAssignableFrom(m.paramsType())) {
            try {
                return (ServerNotification) Json.convert(params, m.paramsType());
            } catch (JsonFormatException e) {
                LOG.debug("{} params do not fit the schema: {}", method, e.getMessage());
            }
        }
        return new ServerNotification.Unknown(method, params);
    }

    public static ServerRequestParams serverRequest(String method, JsonNode params) {
        RequestMethod<?, ?> m = ServerRequests.BY_METHOD.get(method);
        if (m != null && ServerRequestParams.class.isAssignableFrom(m.paramsType())) {
            try {
                return (ServerRequestParams) Json.convert(params, m.paramsType());
            } catch (JsonFormatException e) {
                LOG.debug("{} params do not fit the schema: {}", method, e.getMessage());
            }
        }
        return new ServerRequestParams.Unknown(method, params);
    }
}
