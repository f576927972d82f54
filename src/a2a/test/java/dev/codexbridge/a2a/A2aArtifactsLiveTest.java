package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artifacts besides the answer, with the real codex: a file codex writes (apply_patch, approved
 * through {@code input-required}) streamed as a {@code file-change} artifact with its path, kind
 * and diff; a turn asked for structured output (message metadata {@code outputSchema}) streamed
 * as a {@code structured-output} data artifact.
 */
class A2aArtifactsLiveTest {
    private static final String PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+hello world\n*** End Patch";
    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"integer\"},\"unit\":{\"type\":\"string\"}},"
            + "\"required\":[\"answer\",\"unit\"],\"additionalProperties\":false}";

    @TempDir
    Path tmp;
    private LiveA2a live;
    private RawCaller alice;

    @BeforeEach
    void setUp() throws Exception {
        live = new LiveA2a(tmp);
        live.boot(h -> { }, A2aLimits.DEFAULTS);
        alice = new RawCaller(live.server.uri(), LiveA2a.ALICE);
    }

    @AfterEach
    void tearDown() {
        if (live != null) {
            live.close();
        }
    }

    private static List<String> kinds(List<JsonNode> events) {
        return events.stream().map(e -> e.path("kind").asText() + ":" + (e.has("artifact") ? e.at("/artifact/name").asText()
                : e.at("/status/state").asText())).toList();
    }

    @Test
    void aFileCodexWritesIsStreamedAsAFileChangeArtifact() throws Exception {
        live.model.enqueue(ModelReply.builder().applyPatch("call-p1", PATCH).build(), ModelReply.message("Wrote hello.txt."));
        List<JsonNode> asked = alice.stream(RawCaller.message("write hello.txt", null));
        JsonNode last = asked.get(asked.size() - 1);
        assertThat(last.at("/status/state").asText()).isEqualTo("input-required");
        assertThat(last.at("/status/message/parts/1/data/codexRequest/kind").asText()).isEqualTo("file_change");
        String task = last.path("taskId").asText();

        ObjectNode accept = RawCaller.message("accept", null).put("taskId", task);
        List<JsonNode> events = alice.stream(accept);
        assertThat(kinds(events)).containsSubsequence("artifact-update:file-change", "artifact-update:answer", "status-update:completed");
        JsonNode change = events.stream().filter(e -> e.at("/artifact/name").asText().equals("file-change")).findFirst().orElseThrow();
        assertThat(change.path("taskId").asText()).isEqualTo(task);
        JsonNode data = change.at("/artifact/parts/0/data");
        assertThat(change.at("/artifact/parts/0/kind").asText()).isEqualTo("data");
        assertThat(data.path("status").asText()).isEqualTo("completed");
        assertThat(data.at("/changes/0/path").asText()).endsWith("hello.txt");
        assertThat(data.at("/changes/0/kind").asText()).isEqualTo("add");
        assertThat(data.at("/changes/0/diff").asText()).contains("hello world");
        assertThat(Files.readString(tmp.resolve("work/hello.txt"))).isEqualTo("hello world\n");

        JsonNode got = alice.call("tasks/get", A2aWire.object().put("id", task)).path("result");
        assertThat(got.path("artifacts")).extracting(a -> a.path("name").asText()).containsExactly("file-change", "answer");
    }

    @Test
    void structuredOutputAskedInTheMessageMetadataIsADataArtifact() throws Exception {
        live.model.enqueue(ModelReply.message("{\"answer\": 42, \"unit\": \"widgets\"}"));
        ObjectNode message = RawCaller.message("how many?", null);
        message.putObject("metadata").set("outputSchema", A2aWire.JSON.readTree(SCHEMA));
        List<JsonNode> events = alice.stream(message);
        assertThat(kinds(events)).containsSubsequence("artifact-update:answer", "artifact-update:structured-output", "status-update:completed");
        JsonNode structured = events.stream().filter(e -> e.at("/artifact/name").asText().equals("structured-output")).findFirst().orElseThrow();
        assertThat(structured.at("/artifact/parts/0/kind").asText()).isEqualTo("data");
        assertThat(structured.at("/artifact/parts/0/data")).isEqualTo(A2aWire.JSON.readTree("{\"answer\":42,\"unit\":\"widgets\"}"));
        // codex handed the model the caller's schema
        RecordedRequest asked = live.model.responsesRequests().get(live.model.responsesRequests().size() - 1);
        assertThat(asked.body().at("/text/format/schema")).isEqualTo(A2aWire.JSON.readTree(SCHEMA));

        // an answer that does not follow the schema fails the task, and says why
        live.model.enqueue(ModelReply.message("not json at all"));
        ObjectNode again = RawCaller.message("how many now?", events.get(0).path("contextId").asText());
        again.putObject("metadata").set("outputSchema", A2aWire.JSON.readTree(SCHEMA));
        JsonNode failed = alice.send(again);
        assertThat(failed.at("/status/state").asText()).isEqualTo("failed");
        assertThat(failed.at("/status/message/parts/0/text").asText()).contains("structured output");
        assertThat(failed.path("artifacts")).isEmpty();

        JsonNode refused = alice.call("message/send", RawCaller.params((ObjectNode) RawCaller.message("x", null)
                .set("metadata", A2aWire.object().put("outputSchema", "not a schema"))));
        assertThat(refused.at("/error/code").asInt()).isEqualTo(A2aError.INVALID_PARAMS);
        assertThat(refused.at("/error/message").asText()).contains("outputSchema");
    }
}
