package dev.codexbridge.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.transcript.CanonicalJson;
import dev.codexbridge.transcript.ItemProjector;
import dev.codexbridge.transcript.ProjectorOptions;
import dev.codexbridge.transcript.TranscriptMessage;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Arbitrary item notifications (any JSON the fuzzer builds, typed as any codex item) through the
 * projector: it never throws, every tool call is followed by exactly one result with its id, ids
 * are unique, and arguments are canonical JSON.
 */
class ProjectorFuzzTest {
    private static final List<String> TYPES = List.of("userMessage", "agentMessage", "reasoning", "commandExecution",
            "fileChange", "mcpToolCall", "dynamicToolCall", "webSearch", "imageView", "imageGeneration", "collabAgentToolCall",
            "plan", "contextCompaction", "enteredReviewMode", "exitedReviewMode", "subAgentActivity", "sleep", "hookPrompt",
            "functionCallOutput", "somethingNew", "");
    private static final List<String> METHODS = List.of("item/started", "item/completed", "item/agentMessage/delta", "turn/completed");

    @FuzzTest(maxDuration = "30s")
    void projector(FuzzedDataProvider data) {
        ItemProjector p = new ItemProjector(new ProjectorOptions(64 + data.consumeInt(0, 2000), 64, 64));
        int count = data.consumeInt(0, 30);
        for (int i = 0; i < count && data.remainingBytes() > 0; i++) {
            JsonNode raw;
            try {
                raw = Json.parse(data.consumeString(400));
            } catch (RuntimeException notJson) {
                raw = Json.object();
            }
            ObjectNode item = raw.isObject() ? (ObjectNode) raw : Json.object();
            if (data.consumeBoolean()) {
                item.put("type", data.pickValue(TYPES));
            }
            ObjectNode params = Json.object();
            params.set("item", item);
            params.put("itemId", item.path("id").asText(""));
            params.put("delta", data.consumeString(20));
            p.onNotification(data.pickValue(METHODS), params);
        }
        p.finish();
        check(p.messages());
    }

    static void check(List<TranscriptMessage> ms) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < ms.size(); i++) {
            TranscriptMessage m = ms.get(i);
            if (m.toolCalls() != null) {
                String id = m.toolCalls().get(0).id();
                if (m.toolCalls().size() != 1 || !ids.add(id) || i + 1 >= ms.size()
                        || !id.equals(ms.get(i + 1).toolCallId()) || ms.get(i + 1).role() != TranscriptMessage.Role.TOOL) {
                    throw new AssertionError("tool call " + id + " without exactly one result right after it");
                }
                String args = m.toolCalls().get(0).function().arguments();
                if (!CanonicalJson.write(Json.parse(args)).equals(args)) {
                    throw new AssertionError("arguments not canonical: " + args);
                }
            } else if (m.role() == TranscriptMessage.Role.TOOL
                    && (i == 0 || ms.get(i - 1).toolCalls() == null)) {
                throw new AssertionError("a tool result without its call");
            }
            Json.parse(m.toJson());
        }
    }
}
