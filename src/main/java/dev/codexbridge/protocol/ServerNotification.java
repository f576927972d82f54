package dev.codexbridge.protocol;

import com.fasterxml.jackson.databind.JsonNode;

public interface ServerNotification {
    record Unknown(String method, JsonNode params) implements ServerNotification {
    }
}
