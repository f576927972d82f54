package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.nio.charset.StandardCharsets;

/** How the door writes a whole answer: a JSON body, or an error in OpenAI's shape with its retry headers. */
final class Replies {
    /** The header the OpenAI SDKs read before their own retry rules. */
    static final String SHOULD_RETRY = "x-should-retry";

    private Replies() {
    }

    static void json(HttpExchange http, int status, JsonNode body) {
        http.status(status);
        http.header("Content-Type", "application/json");
        try {
            http.write(Json.write(body).getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            // the caller went away
            http.fail(e);
        }
    }

    static void error(HttpExchange http, OpenAiError e) {
        headers(http, e);
        json(http, e.status, e.body());
    }

    /** The retry headers of {@code e}: when to send again, or that the SDK must not. */
    static void headers(HttpExchange http, OpenAiError e) {
        if (e.retryAfterSeconds != null) {
            http.header("Retry-After", Integer.toString(e.retryAfterSeconds));
        }
        http.header(SHOULD_RETRY, Boolean.toString(e.mayRetry));
    }
}
