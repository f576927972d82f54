package dev.codexbridge.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.JsonRpcMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Item notifications recorded from the real codex ({@code fixtures/items/*.json}), with volatile
 * values normalized so a re-recording gives the same file: uuids numbered in order of appearance,
 * timestamps and durations zeroed, process ids and temp paths replaced.
 */
public final class ItemRecording {
    public static final Path DIR = Paths.get(System.getProperty("codexbridge.fixturesDir", "fixtures"), "items");
    private static final Set<String> ITEM_METHODS = Set.of("item/started", "item/completed", "item/agentMessage/delta");
    private static final Set<String> ZEROED = Set.of("startedAtMs", "completedAtMs", "durationMs", "emittedAtMs");
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private ItemRecording() {
    }

    /** The item notifications of a live turn, normalized, as a recording document. */
    public static ObjectNode of(String scenario, List<JsonRpcMessage.Inbound> messages, Path workDir) {
        ObjectNode doc = Json.object();
        doc.put("scenario", scenario);
        doc.put("codexVersion", dev.codexbridge.process.CodexVersion.PINNED.toString());
        doc.put("recordedWith", "ItemCaptureLiveTest (re-record: -Dcodexbridge.recordItems=true)");
        ArrayNode list = doc.putArray("notifications");
        Map<String, String> uuids = new HashMap<>();
        for (JsonRpcMessage.Inbound m : messages) {
            if (m instanceof JsonRpcMessage.Notification n && ITEM_METHODS.contains(n.method())) {
                ObjectNode entry = list.addObject();
                entry.put("method", n.method());
                entry.set("params", normalize(n.params().deepCopy(), uuids, workDir.toString()));
            }
        }
        return doc;
    }

    private static JsonNode normalize(JsonNode node, Map<String, String> uuids, String work) {
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (ZEROED.contains(e.getKey()) && e.getValue().isNumber()) {
                    e.setValue(Json.nodes().numberNode(0));
                } else if (e.getKey().equals("processId") && !e.getValue().isNull()) {
                    e.setValue(TextNode.valueOf("<pid>"));
                } else {
                    e.setValue(normalize(e.getValue(), uuids, work));
                }
            }
            return o;
        }
        if (node.isArray()) {
            ArrayNode a = (ArrayNode) node;
            for (int i = 0; i < a.size(); i++) {
                a.set(i, normalize(a.get(i), uuids, work));
            }
            return a;
        }
        if (node.isTextual()) {
            String s = node.textValue().replace(work, "/work");
            Matcher m = UUID.matcher(s);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(sb, uuids.computeIfAbsent(m.group(), k -> "<uuid-" + (uuids.size() + 1) + ">"));
            }
            m.appendTail(sb);
            return TextNode.valueOf(sb.toString());
        }
        return node;
    }

    public static Path file(String scenario) {
        return DIR.resolve(scenario + ".json");
    }

    public static Path expectedFile(String scenario) {
        return DIR.resolve(scenario + ".expected.json");
    }

    public static JsonNode read(Path file) {
        try {
            return Json.parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Path file, JsonNode doc) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, Json.mapper().writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
