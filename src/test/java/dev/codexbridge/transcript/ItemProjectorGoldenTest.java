package dev.codexbridge.transcript;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.ItemRecording;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The projector over every item recording of the real codex in {@code fixtures/items/}. After a
 * deliberate change to the projection, {@code -Dcodexbridge.regenerateProjections=true} rewrites the
 * {@code *.expected.json} files; review the diff before committing.
 */
public class ItemProjectorGoldenTest {

    /** The projection of a recording: every message, then those {@link ItemProjector#finish()} adds. */
    public static JsonNode project(JsonNode recording) {
        ItemProjector projector = new ItemProjector();
        for (JsonNode n : recording.path("notifications")) {
            projector.onNotification(n.path("method").asText(), n.path("params"));
        }
        projector.finish();
        ArrayNode out = Json.nodes().arrayNode();
        for (TranscriptMessage m : projector.messages()) {
            JsonNode node = Json.parse(m.toJson());
            if (m.incomplete()) {
                ((ObjectNode) node).put("_incomplete", true);
            }
            out.add(node);
        }
        ObjectNode doc = Json.object().put("toolIterations", projector.toolIterations()).put("finalText", projector.finalText());
        doc.set("messages", out);
        return doc;
    }

    @TestFactory
    Stream<DynamicTest> everyRecordingProjectsToItsExpectedTranscript() throws IOException {
        List<Path> recordings;
        try (Stream<Path> files = Files.list(ItemRecording.DIR)) {
            recordings = files.filter(p -> p.toString().endsWith(".json") && !p.toString().endsWith(".expected.json"))
                    .sorted().toList();
        }
        assertThat(recordings).hasSizeGreaterThanOrEqualTo(8);
        return recordings.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            String name = file.getFileName().toString().replace(".json", "");
            JsonNode actual = project(ItemRecording.read(file));
            if (Boolean.getBoolean("codexbridge.regenerateProjections")) {
                ItemRecording.write(ItemRecording.expectedFile(name), actual);
                return;
            }
            assertThat(actual).isEqualTo(ItemRecording.read(ItemRecording.expectedFile(name)));
        }));
    }
}
