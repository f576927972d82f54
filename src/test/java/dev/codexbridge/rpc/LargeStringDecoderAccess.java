package dev.codexbridge.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.io.IOException;

/** Lets the fuzz target in another package reach the package-private decoder with low thresholds. */
public final class LargeStringDecoderAccess {
    private LargeStringDecoderAccess() {
    }

    public static JsonNode readTree(byte[] line, int stringThreshold) throws IOException {
        return LargeStringDecoder.readTree(Json.mapper(), line, 0, line.length, 0, stringThreshold);
    }
}
