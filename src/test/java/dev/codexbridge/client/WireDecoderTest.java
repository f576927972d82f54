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
