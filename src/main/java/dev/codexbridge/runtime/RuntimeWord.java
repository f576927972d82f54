package dev.codexbridge.runtime;

import java.util.Locale;

/**
 * What a user types after a host's runtime command ({@code /codex-runtime on}), case-insensitive.
 * Hermes's words are accepted: {@code on|enable|codex|codex_app_server}, {@code off|disable|default|hermes},
 * empty or {@code status}. {@code auto} differs from Hermes on purpose: there it means "the default
 * runtime" (off); here it means "on if a usable codex is found, else leave everything as it is"
 * (docs/runtime.md).
 */
public enum RuntimeWord {
    ON, OFF, AUTO, STATUS;

    /** The word, or {@link IllegalArgumentException} with a message to show the user. */
    public static RuntimeWord parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "", "status" -> STATUS;
            case "on", "enable", "codex", "codex_app_server" -> ON;
            case "off", "disable", "default", "hermes" -> OFF;
            case "auto" -> AUTO;
            default -> throw new IllegalArgumentException("Unknown runtime '" + text.strip() + "'. Use one of: on, off, auto, status");
        };
    }
}
