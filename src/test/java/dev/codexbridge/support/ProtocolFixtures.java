package dev.codexbridge.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** The protocol group recordings, {@code fixtures/protocol/<group>.jsonl}. */
public final class ProtocolFixtures {
    public static final Path DIR = Paths.get(System.getProperty("codexbridge.fixturesDir", "fixtures"), "protocol");

    private ProtocolFixtures() {
    }

    public static Path file(String group) {
        return DIR.resolve(group + ".jsonl");
    }

    /** The messages of a fixture (header skipped), as {@code {conn, dir, msg}} nodes. */
    public static List<JsonNode> lines(Path fixture) {
        try {
            List<JsonNode> out = new ArrayList<>();
            List<String> lines = Files.readAllLines(fixture);
            for (String l : lines.subList(1, lines.size())) {
                if (!l.isBlank()) {
                    out.add(Json.parse(l));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + fixture, e);
        }
    }

    /** What the client sent, in order: the method of each request and notification. */
    public static List<String> sentMethods(Path fixture) {
        return lines(fixture).stream().filter(l -> l.path("dir").asText().equals("out"))
                .map(l -> l.path("msg").path("method").asText("<answer>")).toList();
    }

    /** The methods of everything codex sent (notifications, requests), in order. */
    public static List<String> receivedMethods(Path fixture) {
        return lines(fixture).stream().filter(l -> l.path("dir").asText().equals("in") && l.path("msg").has("method"))
                .map(l -> l.path("msg").path("method").asText()).toList();
    }
}
