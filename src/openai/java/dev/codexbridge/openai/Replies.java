package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** How the door writes a whole answer on Jetty: a JSON body, or an error in OpenAI's shape with its retry headers. */
final class Replies {
    /** The header the OpenAI SDKs read before their own retry rules. */
    static final String SHOULD_RETRY = "x-should-retry";

    private Replies() {
    }

    static void json(Response response, Callback callback, int status, JsonNode body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(Json.write(body).getBytes(StandardCharsets.UTF_8)), callback);
    }

    static void error(Response response, Callback callback, OpenAiError e) {
        headers(response, e);
        json(response, callback, e.status, e.body());
    }

    /** The retry headers of {@code e}: when to send again, or that the SDK must not. */
    static void headers(Response response, OpenAiError e) {
        if (e.retryAfterSeconds != null) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(e.retryAfterSeconds));
        }
        response.getHeaders().put(SHOULD_RETRY, Boolean.toString(e.mayRetry));
    }
}
