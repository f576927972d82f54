package dev.codexbridge.runtime;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What a user types after a host's runtime command ({@code /codex-runtime on}), case-insensitive:
 * {@code on|enable|codex|codex_app_server}, {@code off|disable|default|hermes} (the words hosts
 * already use for their runtime command), empty or {@code status}. {@code auto} means "on if a usable
 * codex is found, else leave everything as it is"; the host's default runtime is {@code off}
 * (docs/runtime.md).
 */
public enum RuntimeWord {
    ON, OFF, AUTO, STATUS;

    /** The word, or {@link IllegalArgumentException} with a message to show the user. */
    public static RuntimeWord parse(@Nullable String text) {
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
