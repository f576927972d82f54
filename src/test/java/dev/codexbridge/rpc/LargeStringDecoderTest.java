package dev.codexbridge.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LargeStringDecoderTest {
    private static JsonNode viaDecoder(String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return LargeStringDecoder.readTree(Json.mapper(), b, 0, b.length, 0, 4);
    }

    @Test
    void largeValuesAnywhereInTheTreeDecodeExactlyAsJacksonDoes() throws IOException {
        for (String json : List.of(
                "{\"method\":\"item/completed\",\"params\":{\"item\":{\"aggregatedOutput\":\"line one\\nline \\\"two\\\"\\t\\u00e9\\ud83d\\ude00 end\"}}}",
                "{\"a\":[\"short\",\"a longer value\",{\"b\":\"caf\u00e9 \u4e2d\u6587 \\/ \\\\ \\b\\f\\r\"}],\"n\":1.5e3,\"t\":true,\"z\":null}",
                "{\"a key that is long enough\":\"and a value that is long enough\"}",
                "\"a whole line that is one string\"",
                "{\"dup\":\"first long value\",\"dup\":\"second long value\"}",
                "[\"lone surrogate \\ud800 kept\", \"\\u0000large-string-deadbeef-0\"]",
                "{\"a\":\"long enough\"} trailing \"junk with a bad \\q escape\"")) {
            assertThat(viaDecoder(json)).as(json).isEqualTo(Json.mapper().readTree(json));
        }
    }

    @Test
    void whatJacksonRejectsIsRejected() {
        for (String json : List.of(
                "{\"a\":\"bad escape \\q here\"}",
                "{\"a\":\"short \\u12 hex\"}",
                "{\"a\":\"raw \n control\"}",
                "{\"a\":\"unterminated",
                "{\"a\" \"missing colon value\"}")) {
            assertThatThrownBy(() -> Json.mapper().readTree(json)).as("jackson: " + json).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> viaDecoder(json)).as("decoder: " + json).isInstanceOf(IOException.class);
        }
    }

    @Test
    void invalidUtf8InALargeValueIsRejected() {
        byte[] b = {'{', '"', 'a', '"', ':', '"', 'x', 'x', 'x', 'x', (byte) 0xC3, '"', '}'};
        assertThatThrownBy(() -> LargeStringDecoder.readTree(Json.mapper(), b, 0, b.length, 0, 4)).isInstanceOf(IOException.class);
    }

    @Test
    void smallLinesAndSmallStringsGoToJacksonUnchanged() throws IOException {
        byte[] b = "{\"a\":\"tiny\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(LargeStringDecoder.readTree(Json.mapper(), b, 0, b.length)).isEqualTo(Json.mapper().readTree(b));
    }
}
