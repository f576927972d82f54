package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import org.jspecify.annotations.Nullable;

/**
 * A webhook a caller set on one of its tasks: where the task's updates are POSTed, the token sent
 * back as {@code X-A2A-Notification-Token}, and the {@code Authorization} scheme and credentials
 * the webhook wants. {@code version} is the protocol the config was set through: it decides the
 * payload's shape (0.3: the task; 1.0: a {@code StreamResponse}).
 */
record PushConfig(String id, String taskId, URI url, @Nullable String token, @Nullable String scheme,
        @Nullable String credentials, A2aVersion version) {

    /** As a shared store keeps it. */
    ObjectNode toJson() {
        return A2aWire.object().put("id", id).put("taskId", taskId).put("url", url.toString()).put("token", token)
                .put("scheme", scheme).put("credentials", credentials).put("version", version.name());
    }

    static PushConfig fromJson(JsonNode j) {
        return new PushConfig(j.path("id").asText(), j.path("taskId").asText(), URI.create(j.path("url").asText()),
                j.path("token").isTextual() ? j.path("token").asText() : null, j.path("scheme").isTextual() ? j.path("scheme").asText() : null,
                j.path("credentials").isTextual() ? j.path("credentials").asText() : null, A2aVersion.valueOf(j.path("version").asText()));
    }
}
