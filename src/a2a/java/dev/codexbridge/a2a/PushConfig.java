package dev.codexbridge.a2a;

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
}
