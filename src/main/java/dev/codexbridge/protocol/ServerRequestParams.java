package dev.codexbridge.protocol;

import com.fasterxml.jackson.databind.JsonNode;

public interface ServerRequestParams {
    record Unknown(String method, JsonNode params) implements ServerRequestParams {
    }
}
