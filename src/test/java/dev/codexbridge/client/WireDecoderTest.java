package dev.codexbridge.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.AgentMessageDeltaNotification;
import dev.codexbridge.protocol.ItemCompletedNotification;
import dev.codexbridge.protocol.ProtocolDecoder;
import dev.codexbridge.protocol.ThreadItem;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The direct path decodes exactly what the general one would, and leaves every other line to it. */
class WireDecoderTest {
    private static CodexEvent.Notification decode(String line) {
        // padded on both sides: the decoder reads a slice of the peer's buffer
        byte[] bytes = ("xx" + line + "yy").getBytes(StandardCharsets.UTF_8);
        return WireDecoder.decode(bytes, 2, bytes.length - 4);
    }

    private static void assertSameAsGeneralPath(String line) {
        JsonNode message = Json.parse(line);
        String method = message.get("method").asText();
        JsonNode params = message.get("params");
        CodexEvent.Notification event = decode(line);
        assertThat(event).as(line).isNotNull();
        CodexEvent.Notification general = new CodexEvent.Notification(method, params.get("threadId").asText(), params);
        assertThat(event.method()).isEqualTo(method);
        assertThat(event.threadId()).isEqualTo(general.threadId());
        assertThat(event.turnId()).isEqualTo(general.turnId());
        assertThat(event.params()).isEqualTo(ProtocolDecoder.notification(method, params));
        assertThat(event.raw()).isEqualTo(params);
    }

    @Test
    void deltasAndItemsDecodeAsTheGeneralPathDoes() {
        assertSameAsGeneralPath("{\"method\":\"item/agentMessage/delta\",\"params\":{\"threadId\":\"t-1\",\"turnId\":\"u-1\","
                + "\"itemId\":\"m-1\",\"delta\":\"h\\u00e9llo \\\"w\\\"\\n\"}}");
        assertSameAsGeneralPath("{\"method\":\"item/completed\",\"params\":{\"threadId\":\"t-1\",\"turnId\":\"u-1\",\"item\":"
                + "{\"type\":\"commandExecution\",\"id\":\"c-1\",\"command\":\"ls\",\"cwd\":\"/w\",\"status\":\"completed\","
                + "\"exitCode\":0,\"aggregatedOutput\":\"ok\",\"commandActions\":[],\"newField\":{\"a\":[1]}}}}");
        // an item type this codex-bridge does not know stays an Unknown with its JSON
        assertSameAsGeneralPath("{\"method\":\"item/started\",\"params\":{\"threadId\":\"t-1\",\"turnId\":\"u-1\",\"item\":"
                + "{\"type\":\"hologram\",\"id\":\"h-1\"}}}");
        CodexEvent.Notification unknownItem = decode("{\"method\":\"item/started\",\"params\":{\"threadId\":\"t-1\",\"turnId\":\"u-1\","
                + "\"item\":{\"type\":\"hologram\",\"id\":\"h-1\"}}}");
        assertThat(unknownItem.paramsAs(dev.codexbridge.protocol.ItemStartedNotification.class).item()).isInstanceOf(ThreadItem.Unknown.class);
    }

    @Test
    void itemsDecodeAsTheGeneralPathDoesWhateverTheirTagsPlace() {
        String head = "{\"method\":\"item/completed\",\"params\":{\"threadId\":\"t-1\",\"turnId\":\"u-1\",\"item\":";
        // tag first, as codex writes it, with a nested tagged union inside
        assertSameAsGeneralPath(head + "{\"type\":\"userMessage\",\"id\":\"u\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}}}");
        // the tag and nothing else
        assertSameAsGeneralPath(head + "{\"type\":\"agentMessage\"}}}");
        // tag last, or in the middle
        assertSameAsGeneralPath(head + "{\"id\":\"m\",\"text\":\"hi\",\"type\":\"agentMessage\"}}}");
        assertSameAsGeneralPath(head + "{\"id\":\"m\",\"type\":\"agentMessage\",\"text\":\"hi\"}}}");
        // a tag that is not a string, and one no variant has
        assertSameAsGeneralPath(head + "{\"type\":{\"k\":1},\"id\":\"m\"}}}");
        assertSameAsGeneralPath(head + "{\"type\":\"hologram\",\"id\":\"m\",\"depth\":[1,{\"type\":\"agentMessage\"}]}}}");
        // a tag given twice: a tree keeps the last, so the direct path leaves the line to the peer
        String twice = head + "{\"type\":\"agentMessage\",\"id\":\"m\",\"type\":\"reasoning\"}}}";
        assertThat(decode(twice)).isNull();
        assertThat(ProtocolDecoder.notification("item/completed", Json.parse(twice).get("params")))
                .isInstanceOfSatisfying(ItemCompletedNotification.class, n -> assertThat(n.item()).isInstanceOf(ThreadItem.Reasoning.class));
        // a nested object's own "type" is not the item's tag
        assertSameAsGeneralPath(head + "{\"type\":\"commandExecution\",\"id\":\"c\",\"command\":\"ls\",\"cwd\":\"/w\","
                + "\"status\":\"completed\",\"commandActions\":[{\"type\":\"unknown\",\"command\":\"ls\"}]}}}");
        // a known tag whose fields do not fit: the direct path gives up, the general one keeps it as Unknown
        String misfit = head + "{\"type\":\"agentMessage\",\"id\":\"m\",\"text\":{\"not\":\"text\"}}}}";
        assertThat(decode(misfit)).isNull();
        assertThat(((ItemCompletedNotification) ProtocolDecoder.notification("item/completed", Json.parse(misfit).get("params"))).item())
                .isInstanceOf(ThreadItem.Unknown.class);
    }

    @Test
    void everyRecordedNotificationItTakesDecodesAsTheGeneralPathDoes() throws java.io.IOException {
        int taken = 0;
        java.util.List<java.nio.file.Path> files;
        try (java.util.stream.Stream<java.nio.file.Path> list = java.nio.file.Files.list(java.nio.file.Path.of("fixtures"))) {
            files = list.filter(f -> f.toString().endsWith(".jsonl")).sorted().toList();
        }
        for (java.nio.file.Path f : files) {
            for (String line : java.nio.file.Files.readAllLines(f)) {
                JsonNode record = Json.parse(line);
                JsonNode msg = record.get("msg");
                if (!"in".equals(record.path("dir").asText()) || msg == null || msg.has("id") || !msg.has("method")) {
                    continue;
                }
                String wire = Json.write(msg);
                if (decode(wire) != null) {
                    assertSameAsGeneralPath(wire);
                    taken++;
                }
            }
        }
        assertThat(taken).as("recorded notifications the direct path took").isGreaterThan(100);
    }

    @Test
    void membersBesideTheMessageAreSkipped() {
        CodexEvent.Notification event = decode("{\"method\":\"item/agentMessage/delta\",\"params\":{\"threadId\":\"t-1\","
                + "\"turnId\":\"u-1\",\"itemId\":\"m-1\",\"delta\":\"x\"},\"emittedAtMs\":17,\"extra\":{\"n\":[1,2]}}");
        assertThat(event).isNotNull();
        assertThat(event.paramsAs(AgentMessageDeltaNotification.class).delta()).isEqualTo("x");
    }

    @Test
    void everyOtherLineIsLeftToThePeer() {
        // params before method, a request, a method whose params name no turn, params that do not fit,
        // params without a thread, an unknown method, a response, something that is not JSON
        assertThat(decode("{\"params\":{\"threadId\":\"t\",\"turnId\":\"u\",\"itemId\":\"m\",\"delta\":\"x\"},"
                + "\"method\":\"item/agentMessage/delta\"}")).isNull();
        assertThat(decode("{\"method\":\"item/agentMessage/delta\",\"params\":{\"threadId\":\"t\",\"turnId\":\"u\","
                + "\"itemId\":\"m\",\"delta\":\"x\"},\"id\":3}")).isNull();
        assertThat(decode("{\"method\":\"turn/completed\",\"params\":{\"threadId\":\"t\",\"turn\":{\"id\":\"u\","
                + "\"status\":\"completed\"}}}")).isNull();
        assertThat(decode("{\"method\":\"item/agentMessage/delta\",\"params\":{\"threadId\":\"t\",\"turnId\":\"u\","
                + "\"itemId\":\"m\",\"delta\":{\"not\":\"text\"}}}")).isNull();
        assertThat(decode("{\"method\":\"item/agentMessage/delta\",\"params\":{\"turnId\":\"u\",\"itemId\":\"m\",\"delta\":\"x\"}}"))
                .isNull();
        assertThat(decode("{\"method\":\"item/hologram/delta\",\"params\":{\"threadId\":\"t\",\"turnId\":\"u\"}}")).isNull();
        assertThat(decode("{\"id\":1,\"result\":{}}")).isNull();
        assertThat(decode("{\"method\":\"item/agentMessage/delta\",\"params\":{\"threadId\":")).isNull();
    }

    @Test
    void theJsonFormWaitsUntilAskedFor() {
        String line = "{\"method\":\"item/completed\",\"params\":{\"threadId\":\"t-1\",\"turnId\":\"u-1\",\"item\":"
                + "{\"type\":\"agentMessage\",\"id\":\"m-1\",\"text\":\"done\"}}}";
        CodexEvent.Notification event = decode(line);
        assertThat(event.paramsAs(ItemCompletedNotification.class).item()).isInstanceOf(ThreadItem.AgentMessage.class);
        assertThat(event.raw()).isEqualTo(Json.parse(line).get("params"));
        assertThat(event.raw()).isSameAs(event.raw());
    }
}
