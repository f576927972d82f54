package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.testkit.ModelReply;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server driven by the A2A JS SDK's {@code ClientFactory} (@a2a-js/sdk 1.3.0, an A2A 1.0
 * client) through its v0.3 compatibility layer, on the server's JSON-RPC 0.3 interface, installed
 * by the build next to the script it runs (src/a2a/test/js), against the real codex on the
 * scripted model. The 1.0 bindings: {@link A2aJsV1ClientLiveTest}.
 */
class A2aJsClientLiveTest {
    @TempDir
    Path tmp;
    private LiveA2a live;

    @AfterEach
    void tearDown() {
        if (live != null) {
            live.close();
        }
    }

    @Test
    void theJsClientSendsStreamsAnswersAndCannotSeeAnotherPrincipalsTask() throws Exception {
        live = new LiveA2a(tmp).boot(h -> { }, A2aLimits.DEFAULTS);
        live.model.enqueue(ModelReply.message("Hello, JS."),
                ModelReply.builder().execCommandEscalated("call-js", "echo from-js", "The JS client asked").build(),
                ModelReply.message("Ran it for JS."));
        JsonNode seen = NodeScript.run("a2a-js-client.mjs", live.server.uri().toString(), LiveA2a.ALICE, LiveA2a.BOB);

        assertThat(seen.at("/send/state").asText()).isEqualTo("TASK_STATE_COMPLETED");
        assertThat(seen.at("/send/answer").asText()).isEqualTo("Hello, JS.");
        assertThat(A2aWire.JSON.convertValue(seen.at("/stream/events"), String[].class)).startsWith("task:TASK_STATE_SUBMITTED", "status:TASK_STATE_WORKING")
                .endsWith("status:TASK_STATE_INPUT_REQUIRED");
        assertThat(seen.at("/request/kind").asText()).isEqualTo("command");
        assertThat(A2aWire.JSON.convertValue(seen.at("/answered"), String[].class)).endsWith("artifact:answer", "statusUpdate:TASK_STATE_COMPLETED");
        assertThat(seen.at("/answer").asText()).isEqualTo("Ran it for JS.");
        assertThat(live.model.responsesRequests().get(2).functionCallOutput("call-js")).hasValueSatisfying(o -> assertThat(o).contains("from-js"));
        assertThat(seen.at("/otherPrincipal").asText()).contains("task not found");
    }
}
