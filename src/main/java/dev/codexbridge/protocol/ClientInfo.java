package dev.codexbridge.protocol;

import java.util.Objects;

/**
 * Who the client is. {@code name} becomes the {@code originator} header codex sends to the model
 * API and the user-agent prefix.
 */
public record ClientInfo(String name, String title, String version) {
    public ClientInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
    }
}
