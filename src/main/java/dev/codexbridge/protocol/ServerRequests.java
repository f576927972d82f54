package dev.codexbridge.protocol;

import java.util.Map;

public final class ServerRequests {
    public static final Map<String, RequestMethod<?, ?>> BY_METHOD = Map.of();
}
