package dev.codexbridge.transcript;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.support.ItemRecording;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Generated item sequences (seeded; items drawn from the real recordings and mutated): every tool
 * call is followed by exactly one result with its id, ids are unique within a turn and identical on
 * replay, arguments are canonical JSON, and nothing started is left without a message.
 */
class ItemProjectorPropertyTest {
    private static final long SEED = Long.getLong("codexbridge.propertySeed", 20261121L);

    private static List<JsonNode> realItems() throws IOException {
        List<JsonNode> items = new ArrayList<>();
        try (Stream<Path> files = Files.list(ItemRecording.DIR)) {
            for (Path f : files.filter(p -> !p.toString().endsWith(".expected.json")).sorted().toList()) {
                for (JsonNode n : ItemRecording.read(f).path("notifications")) {
                    if (n.path("method").asText().equals("item/completed")) {
                        items.add(n.path("params").path("item"));
                    }
                }
            }
        }
        return items;
    }

    @Test
    void generatedSequencesKeepTheTranscriptInvariants() throws IOException {
        List<JsonNode> pool = realItems();
        assertThat(pool).hasSizeGreaterThan(15);
        Random rnd = new Random(SEED);
        for (int round = 0; round < 500; round++) {
            List<String[]> sequence = new ArrayList<>();
            int n = 1 + rnd.nextInt(25);
            for (int i = 0; i < n; i++) {
                ObjectNode item = (ObjectNode) pool.get(rnd.nextInt(pool.size())).deepCopy();
                switch (rnd.nextInt(4)) {
                    case 0 -> item.remove("id");
                    case 1 -> item.put("id", "dup");
                    default -> { }
                }
                boolean completes = rnd.nextInt(5) != 0;
                sequence.add(new String[] {Json.write(item), completes ? "completed" : "started"});
            }
            List<TranscriptMessage> first = run(sequence);
            List<TranscriptMessage> replay = run(sequence);
            assertThat(replay).as("replay of round %d", round).isEqualTo(first);
            checkInvariants(first, round);
        }
    }

    private static List<TranscriptMessage> run(List<String[]> sequence) {
        ItemProjector p = new ItemProjector();
        for (String[] step : sequence) {
            ThreadItem item = Json.convert(Json.parse(step[0]), ThreadItem.class);
            if (step[1].equals("completed")) {
                p.started(item);
                p.completed(item);
            } else {
                p.started(item);
            }
        }
        p.finish();
        return p.messages();
    }

    private static void checkInvariants(List<TranscriptMessage> ms, int round) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < ms.size(); i++) {
            TranscriptMessage m = ms.get(i);
            if (m.toolCalls() != null) {
                assertThat(m.toolCalls()).as("round %d: one call per message", round).hasSize(1);
                TranscriptMessage.ToolCall call = m.toolCalls().get(0);
                assertThat(ids.add(call.id())).as("round %d: unique id %s", round, call.id()).isTrue();
                assertThat(call.id()).matches("[A-Za-z0-9_-]+");
                assertThat(i + 1).as("round %d: a result follows", round).isLessThan(ms.size());
                TranscriptMessage result = ms.get(i + 1);
                assertThat(result.role()).isEqualTo(TranscriptMessage.Role.TOOL);
                assertThat(result.toolCallId()).isEqualTo(call.id());
                JsonNode args = Json.parse(call.function().arguments());
                assertThat(CanonicalJson.write(args)).isEqualTo(call.function().arguments());
                assertThat(m.content()).isNull();
            } else if (m.role() == TranscriptMessage.Role.TOOL) {
                assertThat(i).isPositive();
                assertThat(ms.get(i - 1).toolCalls()).as("round %d: a result only after its call", round).isNotNull();
            }
        }
    }

    private static final String[] NAME_PIECES = {"a", "Z", "7", "_", "__", "-", ".", " ", "/", ":", "é", "✓", "\uD83D\uDE00",
            "mcp", "collab", "exec_command", "get-sum", "x".repeat(40), "0123abcd", "\n", "\"", "Echo"};

    /** A name drawn from pieces that need every rule: plain text, separators, unicode, reserved words, up to ~200 chars. */
    private static String randomName(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int pieces = rnd.nextInt(8) == 0 ? 0 : 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 12);
        for (int i = 0; i < pieces && sb.length() < 200; i++) {
            sb.append(NAME_PIECES[rnd.nextInt(NAME_PIECES.length)]);
        }
        return sb.toString();
    }

    private static ObjectNode randomToolItem(Random rnd) {
        ObjectNode item = Json.object();
        switch (rnd.nextInt(8)) {
            case 0, 1, 2 -> item.put("type", "mcpToolCall").put("server", randomName(rnd)).put("tool", randomName(rnd))
                    .put("status", "completed").set("arguments", Json.object().put("k", randomName(rnd)));
            case 3, 4 -> {
                item.put("type", "dynamicToolCall").put("tool", randomName(rnd)).put("status", "completed")
                        .set("arguments", Json.object());
                if (rnd.nextBoolean()) {
                    item.put("namespace", randomName(rnd));
                }
            }
            case 5 -> item.put("type", "collabAgentToolCall").put("tool", rnd.nextBoolean() ? "spawnAgent" : "closeAgent")
                    .put("status", "completed");
            case 6 -> item.put("type", "commandExecution").put("command", randomName(rnd)).put("cwd", "/w").put("status", "completed");
            default -> item.put("type", rnd.nextBoolean() ? "webSearch" : "imageView").put("query", "q").put("path", "/p.png");
        }
        if (rnd.nextInt(4) != 0) {
            item.put("id", randomName(rnd));
        }
        return item;
    }

    /**
     * Items of every tool-shaped type with any server, tool, namespace and id (unicode, dots, spaces,
     * reserved words, 200 characters): every function name and id is a valid OpenAI name, and no two
     * different tools share a function name — across all rounds, since the mapping is a pure function.
     */
    @Test
    void everyNameAndIdIsAValidOpenAiNameAndDistinctToolsKeepDistinctNames() {
        Pattern valid = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");
        Map<String, List<String>> toolByName = new HashMap<>();
        Random rnd = new Random(SEED + 1);
        int calls = 0;
        for (int round = 0; round < 400; round++) {
            ItemProjector p = new ItemProjector();
            int n = 1 + rnd.nextInt(12);
            for (int i = 0; i < n; i++) {
                ThreadItem item = Json.convert(randomToolItem(rnd), ThreadItem.class);
                p.started(item);
                if (rnd.nextInt(5) != 0) {
                    p.completed(item);
                }
            }
            p.finish();
            List<TranscriptMessage> ms = p.messages();
            checkInvariants(ms, round);
            for (TranscriptMessage m : ms) {
                if (m.toolCallId() != null) {
                    assertThat(m.toolCallId()).as("round %d: tool_call_id", round).matches(valid);
                }
                for (TranscriptMessage.ToolCall call : m.toolCalls() == null ? List.<TranscriptMessage.ToolCall>of() : m.toolCalls()) {
                    calls++;
                    String name = call.function().name();
                    assertThat(call.id()).as("round %d: id", round).matches(valid);
                    assertThat(name).as("round %d: name of %s", round, call.source()).matches(valid);
                    assertThat(Json.parse(m.toJson()).path("tool_calls").path(0).path("function").path("name").asText()).isEqualTo(name);
                    TranscriptMessage.Source s = call.source();
                    List<String> tool = Arrays.asList(s.itemType(), s.server(), s.namespace(), s.tool());
                    List<String> before = toolByName.putIfAbsent(name, tool);
                    assertThat(before == null ? tool : before).as("round %d: one tool per name %s", round, name).isEqualTo(tool);
                }
            }
        }
        assertThat(calls).isGreaterThan(1000);
        assertThat(toolByName.keySet()).anyMatch(k -> k.length() == 64).anyMatch(k -> k.matches(".*_[0-9a-f]{8}"))
                .anyMatch(k -> k.startsWith("mcp__") && !k.matches(".*_[0-9a-f]{8}"));
    }

    @Test
    void canonicalJsonSortsKeysAtEveryDepthAndKeepsNonAscii() {
        JsonNode a = Json.parse("{\"b\":{\"z\":1,\"a\":[{\"y\":2,\"x\":1}]},\"a\":\"é✓\",\"n\":1.5}");
        assertThat(CanonicalJson.write(a)).isEqualTo("{\"a\":\"é✓\",\"b\":{\"a\":[{\"x\":1,\"y\":2}],\"z\":1},\"n\":1.5}");
        assertThat(CanonicalJson.write(Json.parse(CanonicalJson.write(a)))).isEqualTo(CanonicalJson.write(a));
    }

    @Test
    void canonicalJsonWritesEveryKindOfValueAsTheMapperWritesItsSortedCopy() {
        JsonNode all = Json.parse("{\"t\":\"q\\\"\\n\\u0001\\u2028 é\",\"f\":false,\"tr\":true,\"n\":null,\"i\":-7,"
                + "\"big\":123456789012345678901234567890,\"d\":1.0E-7,\"e\":\"\",\"a\":[null,true,\"x\",{\"z\":[],\"y\":{}}]}");
        for (JsonNode v : List.of(all, all.get("t"), all.get("f"), all.get("n"), all.get("big"), all.get("a"))) {
            assertThat(CanonicalJson.write(v)).isEqualTo(Json.write(CanonicalJson.sorted(v)));
        }
        assertThat(CanonicalJson.write(null)).isEqualTo("null");
    }
}
