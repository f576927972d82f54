package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.testkit.ModelReply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Streamable HTTP's resumption and withdrawn elicitations, with the real codex and a bare client
 * on sockets: a {@code codex} call whose response stream is dropped after its first progress
 * event is picked up again with {@code Last-Event-ID} (the remaining progress and the result, in
 * order; the turn ran once, to its end), and only by its principal on its MCP session; an
 * elicitation pending when its call is cancelled is cancelled at the client.
 */
class McpStreamResumptionLiveTest {
    private LiveMcp live;

    @AfterEach
    void tearDown() throws Exception {
        if (live != null) {
            live.close();
        }
    }

    @Test
    void aCallWhoseStreamBrokeMidTurnIsResumedWithLastEventIdAndItsTurnRunsOnce() throws Exception {
        live = new LiveMcp("mcp-resume").boot(false, List.of("sleep"), b -> { });
        live.model.enqueue(ModelReply.builder().message("Starting.").execCommandEscalated("call-s", "sleep 4", "Needs approval").build(),
                ModelReply.message("Finished after the break."));
        RawMcpHttp alice = RawMcpHttp.connect(live.http.uri(), LiveMcp.ALICE, "{}");

        String lastSeen;
        try (RawMcpHttp.Exchange call = alice.post(RawMcpHttp.toolCall("call-1", "codex", Map.of("prompt", "work"), "p1"))) {
            assertThat(call.status).isEqualTo(200);
            RawMcpHttp.Event first = call.next();
            assertThat(first.message().at("/params/message").asText()).isEqualTo("Starting.");
            assertThat(ReplayableStreams.isOurs(first.id())).as(first.id()).isTrue();
            lastSeen = first.id();
        } // the connection drops here, while codex runs `sleep 4`

        // someone else's principal on alice's session: no such session; another MCP session of alice's: no such stream
        try (RawMcpHttp.Exchange notHers = alice.resumeAs(LiveMcp.BOB, alice.session, lastSeen)) {
            assertThat(notHers.status).isEqualTo(404);
        }
        RawMcpHttp aliceAgain = RawMcpHttp.connect(live.http.uri(), LiveMcp.ALICE, "{}");
        for (RawMcpHttp.Exchange refused : List.of(alice.resumeAs(LiveMcp.ALICE, aliceAgain.session, lastSeen),
                alice.resume(lastSeen.substring(0, 33) + "99"))) {
            try (refused) {
                assertThat(refused.status).isEqualTo(400);
            }
        }
        try (RawMcpHttp.Exchange unknown = alice.resume("0123456789abcdef0123456789abcdef-1")) {
            assertThat(unknown.status).isEqualTo(400);
            assertThat(unknown.bodyText()).contains("unknown, expired or not yours");
        }

        List<RawMcpHttp.Event> rest = new ArrayList<>();
        try (RawMcpHttp.Exchange resumed = alice.resume(lastSeen)) {
            assertThat(resumed.status).isEqualTo(200);
            assertThat(resumed.headers.get("content-type")).startsWith("text/event-stream");
            RawMcpHttp.Event e;
            while ((e = resumed.next()) != null) {
                rest.add(e);
            }
        }
        assertThat(rest).extracting(e -> e.message().path("method").asText("result"))
                .containsExactly("notifications/progress", "notifications/progress", "result");
        assertThat(rest.get(0).message().at("/params/message").asText()).startsWith("ran `").contains("sleep 4");
        assertThat(rest.get(0).message().at("/params/progress").asInt()).isEqualTo(2);
        assertThat(rest.get(1).message().at("/params/message").asText()).isEqualTo("Finished after the break.");
        JsonNode result = rest.get(2).message();
        assertThat(result.path("id").asText()).isEqualTo("call-1");
        assertThat(result.at("/result/isError").asBoolean()).isFalse();
        assertThat(result.at("/result/content/0/text").asText()).isEqualTo("Finished after the break.");
        String prefix = lastSeen.substring(0, lastSeen.indexOf('-') + 1);
        assertThat(rest).extracting(RawMcpHttp.Event::id).containsExactly(prefix + 2, prefix + 3, prefix + 4);

        // within the time to live the stream can be read again from any id it gave
        try (RawMcpHttp.Exchange again = alice.resume(prefix + 3)) {
            assertThat(again.next().message().path("id").asText()).isEqualTo("call-1");
        }

        // codex's record: one turn, completed; the model was asked twice (no second run)
        String thread = result.at("/result/structuredContent/threadId").asText();
        try (RawMcpHttp.Exchange t = alice.post(RawMcpHttp.toolCall("t-1", "codex-transcript", Map.of("threadId", thread), null))) {
            JsonNode turns = t.until(null, "t-1").message().at("/result/structuredContent/turns");
            assertThat(turns).hasSize(1);
            assertThat(turns.get(0).path("status").asText()).isEqualTo("completed");
        }
        assertThat(live.model.responsesRequests()).hasSize(2);

        // a client that comes back only after the turn ended, its connection written to (and failing) meanwhile
        live.model.enqueue(ModelReply.builder().message("Again.").execCommandEscalated("call-t", "sleep 1", "Needs approval").build(),
                ModelReply.message("Done while you were away."));
        String again;
        try (RawMcpHttp.Exchange call = alice.post(RawMcpHttp.toolCall("call-3", "codex-reply",
                Map.of("threadId", thread, "prompt", "again"), "p3"))) {
            again = call.next().id();
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> live.model.responsesRequests().size() == 4);
        Thread.sleep(1000);
        try (RawMcpHttp.Exchange late = alice.resume(again)) {
            JsonNode done = late.until(null, "call-3").message();
            assertThat(done.at("/result/content/0/text").asText()).isEqualTo("Done while you were away.");
            assertThat(late.next()).as("the stream ended with the result").isNull();
        }
    }

    @Test
    void anElicitationPendingWhenItsCallIsCancelledIsCancelledAtTheClient() throws Exception {
        live = new LiveMcp("mcp-withdrawn-elicitation").boot(true, List.of(), b -> { });
        live.model.enqueue(ModelReply.builder().execCommandEscalated("call-w", "touch never-marker", "Needs approval").build(),
                ModelReply.message("not reached"));
        RawMcpHttp alice = RawMcpHttp.connect(live.http.uri(), LiveMcp.ALICE, "{\"elicitation\":{}}");
        try (RawMcpHttp.Exchange call = alice.post(RawMcpHttp.toolCall("call-2", "codex", Map.of("prompt", "make it"), null))) {
            RawMcpHttp.Event asked = call.until("elicitation/create", null);
            String elicitationId = asked.message().path("id").asText();
            assertThat(asked.message().at("/params/message").asText()).contains("touch never-marker");
            assertThat(asked.message().at("/params/_meta").has(PendingElicitations.MARK)).isFalse();

            // the client gives up on the call: codex's turn is interrupted, and codex withdraws its approval request
            alice.notify("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"call-2\"}}");
            RawMcpHttp.Event cancelled = call.until("notifications/cancelled", null);
            assertThat(cancelled.message().at("/params/requestId").asText()).isEqualTo(elicitationId);
            JsonNode result = call.until(null, "call-2").message();
            assertThat(result.at("/result/isError").asBoolean()).isTrue();
            assertThat(result.at("/result/content/0/text").asText()).contains("interrupted");
        }
        assertThat(live.work.resolve("never-marker")).doesNotExist();
        assertThat(live.server.elicitations.size()).isZero();
    }
}
