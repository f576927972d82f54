package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The cancel tap on messages as text and on a stdin of lines, with no SDK and no codex. */
class CancelTapTest {
    private final Cancellations cancellations = new Cancellations();
    private final CancelTap tap = new CancelTap(cancellations);

    @Test
    void aToolCallIsStampedWithItsIdAndChannelOverwritingAClientsOwnStamps() {
        String out = tap.onMessage("{\"jsonrpc\":\"2.0\",\"id\":\"c-1\",\"method\":\"tools/call\",\"params\":{\"name\":\"codex\","
                + "\"_meta\":{\"progressToken\":5,\"dev.codexbridge/channel\":\"someone-else\"}}}", "alice\u0001s1");
        JsonNode meta = Json.parse(out).at("/params/_meta");
        assertThat(meta.path("progressToken").asInt()).isEqualTo(5);
        assertThat(meta.path(CancelTap.REQUEST_ID).asText()).isEqualTo("\"c-1\"");
        assertThat(meta.path(CancelTap.CHANNEL).asText()).isEqualTo("alice\u0001s1");
        Map<String, Object> asMap = Json.convert(meta, Map.class);
        assertThat(CancelTap.requestId(asMap)).isEqualTo("\"c-1\"");
        // a numeric id keeps its JSON form: 7 and "7" are different requests
        assertThat(Json.parse(tap.onMessage("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{}}", "x"))
                .at("/params/_meta/" + CancelTap.REQUEST_ID.replace("/", "~1")).asText()).isEqualTo("7");
    }

    @Test
    void aCancellationInterruptsOnlyTheCallOfTheSameChannelAndId() {
        AtomicInteger mine = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        cancellations.register("alice\u0001s1", "7", mine::incrementAndGet);
        cancellations.register("bob\u0001s1", "7", other::incrementAndGet);
        String cancel = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":7}}";
        assertThat(tap.onMessage(cancel, "alice\u0001s1")).isEqualTo(cancel);
        assertThat(mine).hasValue(1);
        assertThat(other).hasValue(0);
        // once only; a cancel for a string id "7" or an unknown call is ignored
        tap.onMessage(cancel, "alice\u0001s1");
        tap.onMessage("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"7\"}}", "bob\u0001s1");
        assertThat(mine).hasValue(1);
        assertThat(other).hasValue(0);
        assertThat(cancellations.size()).isEqualTo(1);
    }

    @Test
    void batchesAreTappedAndWhatIsNotJsonPassesUnchanged() {
        AtomicInteger cancelled = new AtomicInteger();
        cancellations.register("c", "1", cancelled::incrementAndGet);
        String batch = tap.onMessage("[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1}},"
                + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"codex\"}}]", "c");
        assertThat(cancelled).hasValue(1);
        assertThat(Json.parse(batch).get(1).at("/params/_meta").has(CancelTap.REQUEST_ID)).isTrue();
        assertThat(tap.onMessage("not json {", "c")).isEqualTo("not json {");
        assertThat(tap.onMessage("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}", "c"))
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}");
    }

    @Test
    void stdinLinesPassThroughTheTapAndALineOverTheLimitIsAnsweredNotHeld() throws Exception {
        AtomicInteger cancelled = new AtomicInteger();
        cancellations.register("stdio", "1", cancelled::incrementAndGet);
        String big = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\",\"params\":{\"pad\":\"" + "x".repeat(3000) + "\"}}";
        String input = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{}}\n" + big + "\n"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":1}}\n";
        List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> lines = sdkLines(input, errors);
        assertThat(lines).hasSize(2);
        assertThat(Json.parse(lines.get(0)).at("/params/_meta").has(CancelTap.REQUEST_ID)).isTrue();
        assertThat(lines.get(1)).contains("notifications/cancelled");
        assertThat(cancelled).hasValue(1);
        assertThat(errors).singleElement().satisfies(e -> assertThat(Json.parse(e).at("/error/code").asInt()).isEqualTo(-32600));
    }

    /** A bad line is answered with a JSON-RPC error and never reaches the SDK, whose reader stops at one; the next line is served. */
    @Test
    void aLineThatIsNoJsonRpcMessageIsAnsweredAndTheNextOneServed() throws Exception {
        String ok = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";
        String input = "not json\n\n[" + ok + "]\n{\"id\":3}\n" + ok + "\n";
        List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        assertThat(sdkLines(input, errors)).containsExactly(ok);
        assertThat(errors).extracting(e -> Json.parse(e).at("/error/code").asInt()).containsExactly(-32700, -32600, -32600);
        assertThat(errors).allSatisfy(e -> assertThat(Json.parse(e).get("id").isNull()).isTrue());
    }

    private List<String> sdkLines(String input, List<String> errors) throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        InputStream sdkSide = StdioTap.tapped(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), tap, "stdio", 2048,
                errors::add, ended::countDown);
        List<String> lines = new ArrayList<>();
        for (String l : new String(sdkSide.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            if (!l.isEmpty()) {
                lines.add(l);
            }
        }
        assertThat(ended.await(60, TimeUnit.SECONDS)).isTrue();
        return lines;
    }
}
