package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transcript.TranscriptMessage;
import dev.codexbridge.transport.CodexEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
/**
 * What the re-attach tests share: a running app-server of the real codex's on the scripted model,
 * a client that reconnects close together for long enough to outlast a drop, what a turn's
 * listener heard, and codex's own record of a turn to hold it against. {@link ReattachLiveTest}
 * drops the connection to a live app-server; {@link ReattachAfterRestartLiveTest} follows a turn
 * from a restarted host and reaches a restarted app-server.
 */
abstract class ReattachLive {
    @TempDir
    Path tmp;
    ScriptedModelServer model;
    Path home;
    Path work;
    final WireSchema.Recorder wire = new WireSchema.Recorder();

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).approvalPolicy("on-request").write();
        work = Files.createDirectories(tmp.resolve("work"));
    }

    @AfterEach
    void tearDown() {
        if (model == null) {
            return;     // the live tests are off (-DskipLiveTests): setUp stopped before it started anything
        }
        model.close();
        assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent matches the schema").isEmpty();
    }

    CodexClient client(CodexEndpoint endpoint) {
        // enough tries, close together, to outlast the outage
        return CodexClient.builder().wireTap(wire)
                .reconnect(new ReconnectPolicy(40, Duration.ofMillis(50), Duration.ofMillis(250), 4).withReattachWindow(Duration.ofSeconds(30)))
                .connect(endpoint);
    }

    static ObjectNode command(String cmd) {
        return Json.object().put("cmd", cmd).put("login", false).put("yield_time_ms", 30_000);
    }

    /** What the listener heard, in order. */
    static final class Heard implements TurnListener {
        final List<String> completed = new CopyOnWriteArrayList<>();
        final List<String> events = new CopyOnWriteArrayList<>();
        final CountDownLatch commandStarted = new CountDownLatch(1);
        final CountDownLatch reattached = new CountDownLatch(1);

        @Override
        public void onItemStarted(ThreadItem item) {
            if (item instanceof ThreadItem.CommandExecution) {
                commandStarted.countDown();
            }
        }

        @Override
        public void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
            completed.add(Json.tree(item).path("id").asText());
        }

        @Override
        public void onConnectionLost(String reason) {
            events.add("lost");
        }

        @Override
        public void onReattached(Duration gap) {
            events.add("reattached");
            System.out.println("reattach: followed again after a gap of " + gap.toMillis() + " ms");
            reattached.countDown();
        }

        @Override
        public void onApprovalRequested(ApprovalRequest request) {
            events.add("asked");
        }

        @Override
        public void onApprovalAnswered(ApprovalRequest request, ApprovalDecision decision) {
            events.add("answered");
        }

        @Override
        public void onApprovalWithdrawn(ApprovalRequest request) {
            events.add("withdrawn");
        }
    }

    /** The turn's item ids as codex stored them, in order. */
    static List<String> itemIds(CodexSession session, String turnId) {
        JsonNode read = Json.tree(session.read(true));
        for (JsonNode t : read.at("/thread/turns")) {
            if (t.path("id").asText().equals(turnId)) {
                List<String> ids = new ArrayList<>();
                t.path("items").forEach(i -> ids.add(i.path("id").asText()));
                return ids;
            }
        }
        throw new AssertionError("turn " + turnId + " not in codex's record");
    }

    long approvalsReceived() {
        return wire.received().stream().filter(m -> m.path("method").asText().equals("item/commandExecution/requestApproval")).count();
    }

    long count(String method) {
        return wire.sent().stream().filter(m -> m.path("method").asText().equals(method)).count();
    }
}

