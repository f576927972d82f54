package dev.codexbridge.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every message recorded from the real codex decodes into its generated type with nothing left
 * {@code Unknown}, and re-encodes to the same JSON minus what the schema does not define.
 */
class FixtureDecodingTest {
    private static final Path FIXTURES = Paths.get("fixtures");

    /** One payload (params or result) of a recorded message and the type the method tables give it. */
    private record Payload(String where, Class<?> type, JsonNode json) {
    }

    @TestFactory
    Stream<DynamicTest> wireTranscripts() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(FIXTURES)) {
            files = list.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(),
                () -> checkAll(payloadsOfTranscript(f))));
    }

    @TestFactory
    Stream<DynamicTest> itemRecordings() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(FIXTURES.resolve("items"))) {
            files = list.filter(p -> p.toString().endsWith(".json") && !p.toString().endsWith(".expected.json"))
                    .sorted().toList();
        }
        assertThat(files).isNotEmpty();
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            List<Payload> payloads = new ArrayList<>();
            for (JsonNode n : Json.parse(Files.readString(f)).path("notifications")) {
                String method = n.path("method").asText();
                NotificationMethod<?> m = ServerNotifications.BY_METHOD.get(method);
                assertThat(m).as("notification %s", method).isNotNull();
                payloads.add(new Payload(method, m.paramsType(), n.get("params")));
            }
            checkAll(payloads);
        }));
    }

    private static List<Payload> payloadsOfTranscript(Path file) throws IOException {
        List<Payload> out = new ArrayList<>();
        // request ids are per connection and per direction
        Map<String, String> pending = new HashMap<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 1; i < lines.size(); i++) {
            JsonNode line = Json.parse(lines.get(i));
            String conn = line.path("conn").asText();
            boolean out_ = line.path("dir").asText().equals("out");
            JsonNode msg = line.get("msg");
            String where = file.getFileName() + ":" + (i + 1);
            if (msg.has("method")) {
                String method = msg.get("method").asText();
                if (msg.has("id")) {
                    pending.put(conn + (out_ ? ">" : "<") + msg.get("id"), method);
                    RequestMethod<?, ?> m = (out_ ? ClientRequests.BY_METHOD : ServerRequests.BY_METHOD).get(method);
                    assertThat(m).as("%s request %s", where, method).isNotNull();
                    out.add(new Payload(where + " " + method, m.paramsType(), msg.get("params")));
                } else {
                    NotificationMethod<?> m = (out_ ? ClientNotifications.BY_METHOD : ServerNotifications.BY_METHOD)
                            .get(method);
                    assertThat(m).as("%s notification %s", where, method).isNotNull();
                    out.add(new Payload(where + " " + method, m.paramsType(), msg.get("params")));
                }
            } else if (msg.has("result")) {
                String method = pending.get(conn + (out_ ? "<" : ">") + msg.get("id"));
                assertThat(method).as("%s: response to an unknown request", where).isNotNull();
                RequestMethod<?, ?> m = (out_ ? ServerRequests.BY_METHOD : ClientRequests.BY_METHOD).get(method);
                out.add(new Payload(where + " result of " + method, m.resultType(), msg.get("result")));
            }
        }
        return out;
    }

    private static void checkAll(List<Payload> payloads) {
        assertThat(payloads).isNotEmpty();
        List<String> problems = new ArrayList<>();
        for (Payload p : payloads) {
            if (p.type() == Void.class) {
                continue;
            }
            Object decoded = Json.convert(p.json(), p.type());
            ProtocolJson.unknowns(decoded).forEach(u -> problems.add(p.where() + ": unknown " + u));
            JsonNode expected = ProtocolJson.expected(decoded, p.json());
            JsonNode actual = Json.tree(decoded);
            if (!ProtocolJson.sameJson(expected, actual)) {
                problems.add(p.where() + ": re-encoded differs\n  expected " + expected + "\n  actual   " + actual);
            }
        }
        assertThat(problems).isEmpty();
    }
}
