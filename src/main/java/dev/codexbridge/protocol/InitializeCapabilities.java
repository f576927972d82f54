package dev.codexbridge.protocol;

import java.util.List;

/**
 * {@code initialize.capabilities}. {@code experimentalApi} unlocks experimental methods and
 * fields (dynamic tools, plan mode); {@code optOutNotificationMethods} silences chatty ones.
 */
public record InitializeCapabilities(Boolean experimentalApi, List<String> optOutNotificationMethods) {
    public static InitializeCapabilities experimental(boolean on) {
        return new InitializeCapabilities(on, null);
    }
}
