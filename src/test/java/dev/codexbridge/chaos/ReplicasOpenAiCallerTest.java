package dev.codexbridge.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.chaos.ReplicasAnswer.Told;
import dev.codexbridge.chaos.ReplicasOpenAiCaller.Read;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * How the chaos run's OpenAI callers read the door's answers (docs/openai.md, "Errors" and "Sending
 * again"): a response by its status, whole or as a stream's last event; a stream cut before it no
 * answer, sent again; a refusal before codex was asked refused; a {@code 500} once it may have run
 * unknown; a {@code 400} naming the conversation's newest response read for that id. And which
 * door and principal each slot has.
 */
class ReplicasOpenAiCallerTest {
    private static final String JSON = "application/json";
    private static final String SSE = "text/event-stream";

    @Test
    void aResponseIsReadByItsStatusWholeOrStreamed() {
        Read whole = ReplicasOpenAiCaller.read(200, JSON, "{\"id\":\"resp_a1\",\"object\":\"response\",\"status\":\"completed\",\"error\":null}");
        assertThat(whole.told()).isEqualTo(Told.COMPLETED);
        assertThat(whole.responseId()).isEqualTo("resp_a1");
        assertThat(whole.detail()).isEqualTo("(resp_a1)");
        String stream = "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_b2\",\"status\":"
                + "\"in_progress\"}}\n\nevent: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"id\":\"resp_b2\","
                + "\"status\":\"failed\",\"error\":{\"code\":\"server_error\",\"message\":\"lost the conversation's lease\"}}}\n\n";
        Read failed = ReplicasOpenAiCaller.read(200, SSE, stream);
        assertThat(failed.told()).isEqualTo(Told.FAILED);
        assertThat(failed.state()).isEqualTo("failed");
        assertThat(failed.responseId()).isEqualTo("resp_b2");
        Read unfollowed = ReplicasOpenAiCaller.read(200, JSON, "{\"id\":\"resp_c3\",\"status\":\"failed\",\"error\":{\"code\":"
                + "\"server_error\",\"message\":\"the codex turn could not be followed to its end; it may have run\"}}");
        assertThat(unfollowed.told()).as("either outcome is right").isEqualTo(Told.UNKNOWN);
        assertThat(ReplicasOpenAiCaller.read(200, JSON, "{\"id\":\"resp_d4\",\"status\":\"incomplete\"}").told()).isEqualTo(Told.FAILED);
    }

    @Test
    void aStreamCutBeforeItsLastEventIsNoAnswerAndSentAgain() {
        Read cut = ReplicasOpenAiCaller.read(200, SSE, "data: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_e5\"}}\n\ndata: {\"ty");
        assertThat(cut.told()).isEqualTo(Told.UNKNOWN);
        assertThat(cut.responseId()).isNull();
        assertThat(new ReplicasAnswer(2, "openai", "s2-t1", 1, 0, 1, cut.told(), "r1", null, null, null, null, cut.detail()).unanswered())
                .isTrue();
    }

    @Test
    void anErrorIsRefusedBeforeCodexWasAskedAndUnknownAfter() {
        Read busy = ReplicasOpenAiCaller.read(429, JSON, "{\"error\":{\"message\":\"busy\",\"code\":\"conversation_busy\"}}");
        assertThat(busy.told()).isEqualTo(Told.REFUSED);
        assertThat(busy.detail()).startsWith("HTTP 429: ");
        assertThat(ReplicasOpenAiCaller.read(503, JSON, "{\"error\":{\"message\":\"send this again\",\"code\":\"store_unavailable\"}}")
                .told()).isEqualTo(Told.REFUSED);
        assertThat(ReplicasOpenAiCaller.read(404, JSON, "{\"error\":{\"message\":\"Response with id 'x' not found.\"}}").told())
                .isEqualTo(Told.REFUSED);
        Read mayHaveRun = ReplicasOpenAiCaller.read(500, JSON, "{\"error\":{\"message\":\"internal error: the server could not answer "
                + "this request\",\"code\":\"server_error\"}}");
        assertThat(mayHaveRun.told()).isEqualTo(Told.UNKNOWN);
        assertThat(ReplicasStoreFaults.internalError(new ReplicasAnswer(2, "openai", "s2-t1", 1, 0, 1, mayHaveRun.told(), "r1", null, null,
                null, null, mayHaveRun.detail()))).isTrue();
        assertThat(ReplicasOpenAiCaller.read(502, "text/html", "<html>bad gateway</html>").told()).isEqualTo(Told.UNKNOWN);
    }

    @Test
    void anOlderPreviousResponseIsRefusedNamingTheNewest() {
        Read older = ReplicasOpenAiCaller.read(400, JSON, "{\"error\":{\"message\":\"response 'resp_old' is not the newest of its "
                + "conversation: this server continues a conversation only from its newest response ('resp_new'); continuing an older "
                + "one would mix its later turns in\",\"param\":\"previous_response_id\"}}");
        assertThat(older.told()).isEqualTo(Told.REFUSED);
        assertThat(older.newest()).isEqualTo("resp_new");
        assertThat(older.responseId()).isNull();
    }

    @Test
    void eachDoorHasSlotsOfEveryPrincipal() {
        Map<String, Set<String>> principals = new HashMap<>();
        for (int slot = 0; slot < 9; slot++) {
            principals.computeIfAbsent(ReplicasClients.door(slot), d -> new HashSet<>()).add(ReplicasClients.principal(slot));
        }
        assertThat(principals).containsOnlyKeys("a2a", "mcp", "openai");
        principals.values().forEach(p -> assertThat(p).containsExactlyInAnyOrder("alice", "bob", "carol"));
        assertThat(ReplicasClients.door(2)).isEqualTo("openai");
    }
}
