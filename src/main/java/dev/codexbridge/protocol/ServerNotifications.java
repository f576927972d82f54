package dev.codexbridge.protocol;

import java.util.Map;

public final class ServerNotifications {
    public static final Map<String, NotificationMethod<?>> BY_METHOD = Map.of();
}
