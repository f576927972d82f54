package dev.codexbridge.protocol;

import java.util.Objects;

/** Params of {@code initialize}. */
public record InitializeParams(ClientInfo clientInfo, InitializeCapabilities capabilities) {
    public InitializeParams {
        Objects.requireNonNull(clientInfo, "clientInfo");
    }
}
