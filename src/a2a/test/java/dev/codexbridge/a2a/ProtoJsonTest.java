package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** A2A 1.0's shapes written from the internal (0.3) model and read into it, part kinds and states the live tests do not reach included. */
class ProtoJsonTest {
    private static JsonNode json(String s) throws Exception {
        return A2aWire.JSON.readTree(s);
    }

    @Test
    void everyPartKindMapsBothWays() throws Exception {
        JsonNode in = json("""
                {"messageId": "m", "role": "ROLE_USER", "parts": [
                  {"text": "hi", "metadata": {"k": 1}},
                  {"data": {"decision": "accept"}},
                  {"url": "https://example.org/a.png", "filename": "a.png", "mediaType": "image/png"},
                  {"raw": "aGVsbG8=", "mediaType": "text/plain"}]}""");
        ObjectNode internal = ProtoJson.messageIn(in);
        assertThat(internal.path("role").asText()).isEqualTo("user");
        assertThat(internal.path("parts")).extracting(p -> p.path("kind").asText()).containsExactly("text", "data", "file", "file");
        assertThat(internal.at("/parts/2/file/uri").asText()).isEqualTo("https://example.org/a.png");
        assertThat(internal.at("/parts/2/file/name").asText()).isEqualTo("a.png");
        assertThat(internal.at("/parts/3/file/bytes").asText()).isEqualTo("aGVsbG8=");
        assertThat(internal.at("/parts/3/file/mimeType").asText()).isEqualTo("text/plain");
        assertThat(internal.at("/parts/0/metadata/k").asInt()).isEqualTo(1);

        ObjectNode back = ProtoJson.message(internal);
        assertThat(back.path("role").asText()).isEqualTo("ROLE_USER");
        assertThat(back.path("parts")).isEqualTo(in.path("parts"));
    }

    @Test
    void statesAndEventsTakeTheirOneOfShape() throws Exception {
        assertThat(ProtoJson.state("input-required")).isEqualTo("TASK_STATE_INPUT_REQUIRED");
        assertThat(ProtoJson.state("unknown")).isEqualTo("TASK_STATE_UNSPECIFIED");
        assertThat(ProtoJson.stateIn("TASK_STATE_AUTH_REQUIRED")).isEqualTo("auth-required");
        assertThat(ProtoJson.stateIn("completed")).isEqualTo("completed");
        assertThatThrownBy(() -> ProtoJson.stateIn("TASK_STATE_NAPPING")).hasMessageContaining("unknown task state");

        // an artifact of a kind the writer has never heard of keeps every field
        ObjectNode artifact = A2aWire.artifact("structured-1", "structured-output", A2aWire.dataPart(json("{\"answer\": 42}")));
        artifact.put("description", "the turn's structured output");
        JsonNode e = ProtoJson.event(A2aWire.artifactUpdate("t", "c", artifact));
        assertThat(e.at("/artifactUpdate/artifact/name").asText()).isEqualTo("structured-output");
        assertThat(e.at("/artifactUpdate/artifact/description").asText()).isEqualTo("the turn's structured output");
        assertThat(e.at("/artifactUpdate/artifact/parts/0/data/answer").asInt()).isEqualTo(42);
        assertThat(e.at("/artifactUpdate/lastChunk").asBoolean()).isTrue();

        JsonNode status = ProtoJson.event(A2aWire.statusUpdate("t", "c", A2aWire.status("working", null), false, null));
        assertThat(status.at("/statusUpdate/status/state").asText()).isEqualTo("TASK_STATE_WORKING");
        assertThat(status.at("/statusUpdate").has("final")).isFalse();
    }

    @Test
    void badMessagesAreClearErrors() throws Exception {
        assertThatThrownBy(() -> ProtoJson.messageIn(json("{\"role\": \"ROLE_ROBOT\", \"parts\": []}"))).hasMessageContaining("ROLE_USER");
        assertThatThrownBy(() -> ProtoJson.messageIn(json("{\"role\": \"ROLE_USER\", \"parts\": [{\"mystery\": 1}]}")))
                .hasMessageContaining("text, data, url or raw");
        assertThatThrownBy(() -> ProtoJson.messageIn(json("{\"parts\": [{\"text\": \"hi\"}]}"))).hasMessageContaining("message.role is required");
        assertThatThrownBy(() -> ProtoJson.messageIn(json("\"hello\""))).hasMessageContaining("message is required");
        assertThatThrownBy(() -> A2aVersion.ofHeader("2.0")).hasMessageContaining("speaks 0.3 and 1.0");
        assertThat(A2aVersion.ofHeader("1.0.0")).isEqualTo(A2aVersion.V1_0);
        assertThat(A2aVersion.ofHeader(null)).isNull();
    }
}
