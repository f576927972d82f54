package dev.codexbridge.process;

import dev.codexbridge.internal.UntrustedText;

/**
 * Masks obvious secrets (API keys, bearer tokens, credential assignments) in text that may reach
 * logs or error messages, such as codex's stderr. The library's own log lines and exception
 * messages go further: they also make control characters visible ({@code UntrustedText}).
 */
public final class SecretRedactor {
    private SecretRedactor() {
    }

    public static String redact(String text) {
        return UntrustedText.redact(text);
    }
}
