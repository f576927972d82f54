package dev.codexbridge.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** What wire taps that time requests read of a message coming in. */
public final class WireAnswers {
    private WireAnswers() {
    }

    /** The message in {@code buffer} when it is an answer to a request (an id, no method); null for anything else or unreadable. */
    public static @Nullable JsonNode answer(byte[] buffer, int length) {
        JsonNode m;
        try {
            m = Json.mapper().readTree(buffer, 0, length);
        } catch (IOException e) {
            return null;
        }
        return m != null && m.has("id") && !m.has("method") ? m : null;
    }
}
