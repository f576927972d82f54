package dev.codexbridge.protocol;

/** Result of {@code initialize}; unknown fields are ignored. */
public record InitializeResponse(String userAgent, String codexHome, String platformFamily, String platformOs) {
}
