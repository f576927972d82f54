package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/**
 * The protocol versions served, each a writer of the one internal model (0.3's JSON) and a reader
 * of its callers' messages and push configs. A request says its version in the
 * {@code A2A-Version} header; without it, the JSON-RPC method's name tells (0.3's
 * {@code message/send}, 1.0's {@code SendMessage}).
 */
enum A2aVersion {
    V0_3("0.3") {
        @Override
        ObjectNode task(ObjectNode task) {
            return task;
        }

        @Override
        ObjectNode event(ObjectNode event) {
            return event;
        }

        @Override
        ObjectNode sendResult(ObjectNode task) {
            return task;
        }

        @Override
        ObjectNode messageIn(JsonNode message) {
            if (!message.isObject()) {
                throw A2aError.invalidParams("params.message is required");
            }
            requireMessageId(message);
            if (!message.path("role").isTextual()) {
                throw A2aError.invalidParams("message.role is required: \"user\"");
            }
            return (ObjectNode) message;
        }

        @Override
        ObjectNode pushConfig(PushConfig c) {
            ObjectNode out = A2aWire.object().put("taskId", c.taskId());
            ObjectNode p = out.putObject("pushNotificationConfig").put("id", c.id()).put("url", c.url().toString());
            if (c.token() != null) {
                p.put("token", c.token());
            }
            if (c.scheme() != null) {
                // the credentials are the caller's secret: set once, never read back
                p.putObject("authentication").putArray("schemes").add(c.scheme());
            }
            return out;
        }

        @Override
        PushRequest pushIn(JsonNode params) {
            JsonNode p = params.path("pushNotificationConfig");
            JsonNode auth = p.path("authentication");
            String scheme = auth.path("schemes").isArray() && !auth.path("schemes").isEmpty() ? auth.path("schemes").get(0).asText() : null;
            return new PushRequest(params.path("taskId").asText(null), text(p, "id"), text(p, "url"), text(p, "token"), scheme,
                    text(auth, "credentials"));
        }
    },
    V1_0("1.0") {
        @Override
        ObjectNode task(ObjectNode task) {
            return ProtoJson.task(task);
        }

        @Override
        ObjectNode event(ObjectNode event) {
            return ProtoJson.event(event);
        }

        @Override
        ObjectNode sendResult(ObjectNode task) {
            ObjectNode r = A2aWire.object();
            r.set("task", ProtoJson.task(task));
            return r;
        }

        @Override
        ObjectNode messageIn(JsonNode message) {
            if (message.isObject()) {
                requireMessageId(message);
            }
            return ProtoJson.messageIn(message);
        }

        @Override
        ObjectNode pushConfig(PushConfig c) {
            ObjectNode out = A2aWire.object().put("id", c.id()).put("taskId", c.taskId()).put("url", c.url().toString());
            if (c.token() != null) {
                out.put("token", c.token());
            }
            if (c.scheme() != null) {
                out.putObject("authentication").put("scheme", c.scheme());
            }
            return out;
        }

        @Override
        PushRequest pushIn(JsonNode params) {
            JsonNode auth = params.path("authentication");
            return new PushRequest(text(params, "taskId"), text(params, "id"), text(params, "url"), text(params, "token"),
                    text(auth, "scheme"), text(auth, "credentials"));
        }
    };

    /** A push config as a caller asked for it, not yet checked. */
    record PushRequest(@Nullable String taskId, @Nullable String id, @Nullable String url, @Nullable String token,
            @Nullable String scheme, @Nullable String credentials) {
    }

    final String wire;

    A2aVersion(String wire) {
        this.wire = wire;
    }

    abstract ObjectNode task(ObjectNode task);

    /** A stream event (0.3: the event; 1.0: a {@code StreamResponse}). */
    abstract ObjectNode event(ObjectNode event);

    /** What a send answers with a task (0.3: the task; 1.0: a {@code SendMessageResponse}). */
    abstract ObjectNode sendResult(ObjectNode task);

    /** A caller's message as the internal model's. */
    abstract ObjectNode messageIn(JsonNode message);

    abstract ObjectNode pushConfig(PushConfig config);

    abstract PushRequest pushIn(JsonNode params);

    /**
     * The version an {@code A2A-Version} header or request parameter names ({@code Major.Minor};
     * a patch number is ignored, A2A 1.0 §3.6); null when absent or empty (a 0.3 caller, or one
     * whose method's name tells). An unsupported one is a {@code VersionNotSupportedError}.
     */
    static @Nullable A2aVersion ofHeader(@Nullable String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String v = header.strip();
        java.util.regex.Matcher m = MAJOR_MINOR.matcher(v);
        if (m.matches()) {
            for (A2aVersion version : values()) {
                if (m.group(1).equals(version.wire)) {
                    return version;
                }
            }
        }
        throw new A2aError(A2aError.VERSION_NOT_SUPPORTED, "A2A-Version " + v + " is not supported: this agent speaks 0.3 and 1.0",
                java.util.Map.of("requestedVersion", v, "supportedVersions", "0.3,1.0"));
    }

    private static final java.util.regex.Pattern MAJOR_MINOR = java.util.regex.Pattern.compile("(\\d+\\.\\d+)(?:\\.\\d+)?");

    /** A2A's messages must carry the sender's {@code messageId} (0.3 and 1.0 alike). */
    private static void requireMessageId(JsonNode message) {
        JsonNode id = message.get("messageId");
        if (id == null || !id.isTextual() || id.asText().isBlank()) {
            throw A2aError.invalidParams("message.messageId is required (a non-empty string)");
        }
    }

    private static @Nullable String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }
}
