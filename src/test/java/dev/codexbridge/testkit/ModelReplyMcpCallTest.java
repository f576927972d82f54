package dev.codexbridge.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import org.junit.jupiter.api.Test;

/** {@link ModelReply.Builder#mcpCall} sends the names codex shows the model (rule observed in McpToolNamesLiveTest). */
class ModelReplyMcpCallTest {

    private static JsonNode call(ModelReply reply) {
        return ((ModelReply.Stream) reply).events().stream()
                .filter(e -> e.path("item").path("type").asText().equals("function_call")).findFirst().orElseThrow().path("item");
    }

    @Test
    void serverAndToolNamesAreMappedAsCodexMapsThem() {
        JsonNode item = call(ModelReply.builder().mcpCall("c1", "my-srv.x", "get-sum", Json.object().put("a", 1)).build());
        assertThat(item.path("namespace").asText()).isEqualTo("mcp__my_srv_x");
        assertThat(item.path("name").asText()).isEqualTo("get_sum");
        assertThat(item.path("call_id").asText()).isEqualTo("c1");
        assertThat(item.path("arguments").asText()).isEqualTo("{\"a\":1}");
    }

    @Test
    void eachCodePointOutsideTheSetIsOneUnderscore() {
        assertThat(ModelReply.Builder.mcpModelName("say")).isEqualTo("say");
        assertThat(ModelReply.Builder.mcpModelName("a__b")).isEqualTo("a__b");
        assertThat(ModelReply.Builder.mcpModelName("UPPER-Case")).isEqualTo("UPPER_Case");
        assertThat(ModelReply.Builder.mcpModelName("with space")).isEqualTo("with_space");
        assertThat(ModelReply.Builder.mcpModelName("héllo")).isEqualTo("h_llo");
        assertThat(ModelReply.Builder.mcpModelName("a\uD83D\uDE00b")).isEqualTo("a_b");
    }

    @Test
    void namesCodexWouldShortenWithAHashAreRefused() {
        assertThat(call(ModelReply.builder().mcpCall("c", "echo", "x".repeat(117), Json.object()).build())
                .path("name").asText()).hasSize(117);
        assertThatThrownBy(() -> ModelReply.builder().mcpCall("c", "echo", "x".repeat(118), Json.object()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("functionCall");
    }
}
