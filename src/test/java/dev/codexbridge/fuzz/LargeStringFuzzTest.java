package dev.codexbridge.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.LargeStringDecoderAccess;
import java.io.IOException;

/**
 * The large-string path of the message decoder against Jackson's own tree reader on any bytes,
 * with thresholds low enough that every string takes that path: equal trees, and whatever Jackson
 * rejects is rejected. Lines whose first four bytes hold a NUL or a non-ASCII byte are skipped:
 * from those Jackson guesses UTF-16 or UTF-32 (it reads {@code "\0?*"} as {@code "⨿"}), while the
 * decoder's large strings are UTF-8, as codex writes them (regression inputs
 * {@code raw-nul-in-string}, {@code utf16-detected-from-nul-bytes}). Allowed difference: the
 * decoder refuses invalid UTF-8 and raw control bytes that Jackson lets through.
 */
class LargeStringFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void decoderMatchesJackson(FuzzedDataProvider data) {
        int stringThreshold = data.consumeInt(0, 16);
        byte[] line = data.consumeRemainingAsBytes();
        for (int i = 0; i < Math.min(4, line.length); i++) {
            if (line[i] <= 0) {
                return; // Jackson's encoding detection would not read this as UTF-8
            }
        }
        JsonNode expected = null;
        IOException jacksonError = null;
        try {
            expected = Json.mapper().readTree(line);
        } catch (IOException e) {
            jacksonError = e;
        }
        JsonNode actual;
        try {
            actual = LargeStringDecoderAccess.readTree(line, stringThreshold);
        } catch (IOException e) {
            if (jacksonError == null && !hasNonAsciiOrControl(line)) {
                throw new AssertionError("rejected what Jackson accepts: " + e.getMessage(), e);
            }
            return;
        }
        if (jacksonError != null) {
            throw new AssertionError("accepted what Jackson rejects (" + jacksonError.getMessage() + "): " + actual);
        }
        if (expected == null ? actual != null && !actual.isMissingNode() : !expected.equals(actual)) {
            throw new AssertionError("different trees: " + expected + " vs " + actual);
        }
    }

    private static boolean hasNonAsciiOrControl(byte[] b) {
        for (byte x : b) {
            if (x < 0x20) {
                return true;
            }
        }
        return false;
    }
}
