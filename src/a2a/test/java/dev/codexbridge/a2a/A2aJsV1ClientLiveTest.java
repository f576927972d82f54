package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.testkit.ModelReply;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The A2A JS SDK's {@code ClientFactory} (@a2a-js/sdk 1.3.0) on its native A2A 1.0 bindings,
 * JSON-RPC and HTTP+JSON, as it picks them from the agent card, against the real codex on the
 * scripted model: send, stream, resubscribe, cancel, list (paged, the caller's own tasks only), push configs.
 */
class A2aJsV1ClientLiveTest {
    @TempDir
    Path tmp;
    private LiveA2a live;
    private WebhookReceiver hook;

    @AfterEach
    void tearDown() {
        LiveA2a.closeAll(hook);
        if (live != null) {
            live.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"JSONRPC", "HTTP+JSON"})
    void theJsClientOnA2a1SendsStreamsCancelsListsAndSetsPushConfigs(String binding) throws Exception {
        hook = new WebhookReceiver();
        live = new LiveA2a(tmp);
        live.serverSettings = b -> b.push(PushOptions.DEFAULTS.allowingPrivateAddresses());
        live.boot(h -> { }, A2aLimits.DEFAULTS);
        live.model.enqueue(ModelReply.message("Hello over 1.0."), ModelReply.message("Streamed over 1.0."),
                ModelReply.builder().execCommandEscalated("call-v1", "echo never", "Needs approval").build());

        JsonNode seen = NodeScript.run("a2a-js-v1-client.mjs", live.server.uri().toString(), LiveA2a.ALICE, LiveA2a.BOB, binding,
                hook.uri("/hook").toString());

        assertThat(seen.path("binding").asText()).isEqualTo(binding);
        assertThat(seen.path("version").asText()).isEqualTo("1.0");
        assertThat(seen.at("/send/state").asText()).isEqualTo("TASK_STATE_COMPLETED");
        assertThat(seen.at("/send/answer").asText()).isEqualTo("Hello over 1.0.");
        assertThat(A2aWire.JSON.convertValue(seen.path("stream"), String[].class)).startsWith("task:TASK_STATE_SUBMITTED",
                "statusUpdate:TASK_STATE_WORKING").endsWith("artifact:answer", "statusUpdate:TASK_STATE_COMPLETED");
        assertThat(seen.at("/cancel/asked").asText()).isEqualTo("TASK_STATE_INPUT_REQUIRED");
        assertThat(A2aWire.JSON.convertValue(seen.path("resubscribe"), String[].class)).containsExactly("task:TASK_STATE_INPUT_REQUIRED:command");
        assertThat(seen.at("/cancel/canceled").asText()).isEqualTo("TASK_STATE_CANCELED");
        assertThat(seen.at("/cancel/again").asText()).startsWith("TaskNotCancelableError").contains("already canceled");

        // three tasks of alice's, newest first, two to a page; bob sees none of them
        assertThat(seen.at("/list/total").asInt()).isEqualTo(3);
        assertThat(seen.at("/list/first")).hasSize(2);
        assertThat(seen.at("/list/first/0").asText()).isEqualTo(seen.at("/list/mine/1").asText());
        assertThat(seen.at("/list/second")).hasSize(1);
        assertThat(seen.at("/list/second/0").asText()).isEqualTo(seen.at("/list/mine/0").asText());
        assertThat(seen.at("/list/last").asText()).isEmpty();
        assertThat(seen.at("/list/firstHasArtifacts").asBoolean()).as("includeArtifacts").isTrue();
        assertThat(seen.path("otherList").asInt()).isZero();
        assertThat(seen.path("otherGet").asText()).startsWith("TaskNotFoundError").contains("task not found");

        assertThat(seen.at("/push/url").asText()).isEqualTo(hook.uri("/hook").toString());
        assertThat(seen.at("/push/token").asText()).isEqualTo("note-token");
        assertThat(seen.at("/push/scheme").asText()).isEqualTo("Bearer");
        assertThat(seen.at("/push/listed").asInt()).isEqualTo(1);
        assertThat(seen.at("/push/afterDelete").asInt()).isZero();
        assertThat(seen.at("/push/other").asText()).startsWith("TaskNotFoundError");
        assertThat(seen.at("/push/bad").asText()).contains("must be an http or https URL");
    }
}
