package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexConnection;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.process.CodexVersionProbe;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.protocol.InitializeCapabilities;
import dev.codexbridge.protocol.InitializeParams;
import dev.codexbridge.protocol.InitializeResponse;
import dev.codexbridge.protocol.ClientRequests;
import dev.codexbridge.protocol.ServerNotifications;
import dev.codexbridge.rpc.Inbox;
import dev.codexbridge.rpc.JsonRpcMessage;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real pinned codex binary against the scripted model server: handshake and a full turn. */
class CodexHandshakeLiveTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void pinnedBinaryReportsThePinnedVersion() {
        Path codex = LiveCodex.binary();
        assertThat(CodexVersionProbe.requireSupported(codex, Duration.ofSeconds(20))).isEqualTo(CodexVersion.PINNED);
    }

    @Test
    void handshakeAndThreadStartSucceedAndEverySentMessageMatchesTheSchema() throws Exception {
        Path codex = LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            Path work = Files.createDirectories(tmp.resolve("work"));
            WireSchema.Recorder wire = new WireSchema.Recorder();
            Inbox inbox = new Inbox();
            try (CodexConnection conn = CodexConnection.open(
                    CodexLaunch.appServer(codex).codexHome(home).workingDirectory(work).build(),
                    peer -> peer.inbound(inbox).wireTap(wire))) {

                InitializeResponse init = dev.codexbridge.support.RawHandshake.initialize(conn, new InitializeParams(
                        new InitializeCapabilities(true, null, null, null, null, null, null),
                        new ClientInfo("codex_bridge_test", "codex-bridge tests", "0.0.0")), TIMEOUT);
                assertThat(init.userAgent()).startsWith("codex_bridge_test/" + CodexVersion.PINNED);
                assertThat(Path.of(init.codexHome()).toRealPath()).isEqualTo(home.toRealPath());

                ObjectNode params = Json.object().put("cwd", work.toString());
                JsonNode started = conn.call(ClientRequests.THREAD_START.method(), params, TIMEOUT);
                assertThat(started.path("thread").path("id").asText()).isNotBlank();
                assertThat(started.path("model").asText()).isEqualTo(IsolatedCodexHome.MODEL);
                assertThat(started.path("approvalPolicy").asText()).isEqualTo("never");
            }
            List<JsonNode> sent = wire.sent();
            assertThat(sent).extracting(m -> m.path("method").asText())
                    .containsExactly("initialize", "initialized", "thread/start");
            assertThat(sent.get(0).path("id").asLong()).isEqualTo(1);
            assertThat(sent).allSatisfy(m -> assertThat(m.has("params")).isTrue());
            assertThat(sent).allSatisfy(m -> assertThat(m.has("jsonrpc")).isFalse());
            for (JsonNode m : sent) {
                assertThat(WireSchema.pinned().validateOutgoing(m)).as("schema errors of %s", m).isEmpty();
            }
            assertThat(model.unscriptedRequests()).isZero();
        }
    }

    @Test
    void fullTurnRunsAnExecCommandAndCompletes() throws Exception {
        Path codex = LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            model.enqueue(
                    ModelReply.builder().execCommand("call-echo-1", "echo bridge-live-ok").build(),
                    ModelReply.builder().reasoning("Saw the output", null).message("The command printed bridge-live-ok.").build());
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl())
                    .sandboxMode("danger-full-access").write();
            Path work = Files.createDirectories(tmp.resolve("work"));
            WireSchema.Recorder wire = new WireSchema.Recorder();
            Inbox inbox = new Inbox();
            List<JsonRpcMessage.Notification> seen = new ArrayList<>();
            try (CodexConnection conn = CodexConnection.open(
                    CodexLaunch.appServer(codex).codexHome(home).workingDirectory(work).build(),
                    peer -> peer.inbound(inbox).wireTap(wire))) {
                dev.codexbridge.support.RawHandshake.initialize(conn, new InitializeParams(null, new ClientInfo("codex_bridge_test", null, "0.0.0")), TIMEOUT);
                String threadId = conn.call(ClientRequests.THREAD_START.method(), Json.object().put("cwd", work.toString()), TIMEOUT)
                        .path("thread").path("id").asText();
                ObjectNode turn = Json.object().put("threadId", threadId);
                turn.putArray("input").addObject().put("type", "text").put("text", "run the echo");
                String turnId = conn.call(ClientRequests.TURN_START.method(), turn, TIMEOUT).path("turn").path("id").asText();

                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                JsonRpcMessage.Notification completed = null;
                while (completed == null && System.nanoTime() < deadline) {
                    JsonRpcMessage.Inbound m = inbox.poll(Duration.ofSeconds(1));
                    if (m instanceof JsonRpcMessage.Notification n) {
                        seen.add(n);
                        if (n.method().equals(ServerNotifications.TURN_COMPLETED.method())) {
                            completed = n;
                        }
                    } else if (m instanceof JsonRpcMessage.Request r) {
                        conn.peer().respondError(r.id(), new dev.codexbridge.rpc.RpcError(-32601, "unexpected"));
                    }
                }
                assertThat(completed).as("turn/completed within 60 s; saw %s", methods(seen)).isNotNull();
                assertThat(completed.params().path("turn").path("id").asText()).isEqualTo(turnId);
                assertThat(completed.params().path("turn").path("status").asText()).isEqualTo("completed");
            }
            JsonNode command = seen.stream()
                    .filter(n -> n.method().equals(ServerNotifications.ITEM_COMPLETED.method()))
                    .map(n -> n.params().path("item"))
                    .filter(i -> i.path("type").asText().equals("commandExecution"))
                    .findFirst().orElseThrow(() -> new AssertionError("no commandExecution item in " + methods(seen)));
            assertThat(command.path("exitCode").asInt()).isZero();
            assertThat(command.path("aggregatedOutput").asText()).contains("bridge-live-ok");
            assertThat(seen.stream().filter(n -> n.method().equals(ServerNotifications.ITEM_COMPLETED.method()))
                    .map(n -> n.params().path("item")).filter(i -> i.path("type").asText().equals("agentMessage")))
                    .extracting(i -> i.path("text").asText())
                    .contains("The command printed bridge-live-ok.");

            List<RecordedRequest> requests = model.responsesRequests();
            assertThat(requests).hasSize(2);
            assertThat(requests.get(0).toolNames()).contains("exec_command");
            assertThat(requests.get(1).functionCallOutput("call-echo-1")).get().asString().contains("bridge-live-ok");
            assertThat(model.unscriptedRequests()).isZero();
            for (JsonNode m : wire.sent()) {
                assertThat(WireSchema.pinned().validateOutgoing(m)).as("schema errors of %s", m).isEmpty();
            }
        }
    }

    private static List<String> methods(List<JsonRpcMessage.Notification> ns) {
        return ns.stream().map(JsonRpcMessage.Notification::method).toList();
    }
}
