package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.support.A2aCommandProcess;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code codex-bridge a2a --store DIR}: a conversation served through the door is in the store
 * as its principal's once the command has stopped on SIGTERM, with every turn and no lease left
 * in force; the command started again on a new tenants root (the first one's codex homes lost)
 * continues the context from the store. That second command is then killed as a lost machine is
 * (SIGKILL) while alice's codex runs a command for it: codex and the command are gone well within
 * what the shortest lease leaves a dead host ({@link ConversationStorage#MIN_OWN_CODEX_LEASE}), so
 * no codex acts for the dead host once another may take the conversation, and the store frees it
 * when the command's short lease runs out.
 */
class A2aCommandStoreLiveTest {
    private static final String TOKEN = "alice-token-0123456789";

    @TempDir
    Path tmp;
    /** Not under /tmp: the tenants refuse it. */
    private final Path tenantsA = TestDirs.create("a2a-store-tenants-a");
    private final Path tenantsB = TestDirs.create("a2a-store-tenants-b");
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : started) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        TestDirs.delete(tenantsA);
        TestDirs.delete(tenantsB);
    }

    @Test
    void aStoppedCommandLeavesItsConversationsStoredAndUnleasedAndAnotherHomeContinuesThem() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).askForApproval("on-request").write();
            Path tokens = Files.writeString(tmp.resolve("tokens"), "alice " + TOKEN + "\n");
            Path store = tmp.resolve("store");
            HttpClient http = HttpClient.newHttpClient();

            model.enqueue(ModelReply.message("first run"));
            Process first = start(home, tokens, store, tenantsA);
            JsonNode one = send(http, uri(first), "{\"role\":\"user\",\"messageId\":\"m1\",\"parts\":[{\"kind\":\"text\",\"text\":\"remember the word lantern\"}]}");
            assertThat(one.at("/status/state").asText()).isEqualTo("completed");
            String threadId = one.at("/metadata/codexThreadId").asText();
            A2aCommandProcess.stop(first);

            try (DiskConversationStore stored = DiskConversationStore.open(store)) {
                StoredConversation c = stored.get(threadId).orElseThrow();
                assertThat(c.owner()).isEqualTo(new ConversationOwner("alice", "alice"));
                assertThat(c.lastCompletedTurnId()).isNotNull();
                assertThat(ConversationStorage.lastAwakeOn(c)).as("stored by the close's sleep, not left awake on alice's codex").isEmpty();
                String rollouts = c.lineage().stream().map(f -> new String(f.bytes(), StandardCharsets.UTF_8)).collect(Collectors.joining());
                assertThat(rollouts).contains("remember the word lantern").contains("first run").contains(c.lastCompletedTurnId());
                // the lease was given back as the command stopped: another host takes it at once, not after it runs out
                ConversationLease lease = stored.lease(threadId, "another host", Duration.ofMinutes(2));
                assertThat(stored.release(lease)).isTrue();
            }
            assertThat(rolloutsUnder(tenantsA, threadId)).as("alice's home let go of it once stored").isEmpty();

            // the first run's codex homes are lost with its machine; the context goes on from the store
            TestDirs.delete(tenantsA);
            model.enqueue(ModelReply.message("second run"));
            Process second = start(home, tokens, store, tenantsB);
            URI secondUri = uri(second);
            // the probes a balancer asks, without a token: ready while the store answers
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(secondUri.resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body().strip()).isEqualTo("ready");
            assertThat(http.send(HttpRequest.newBuilder(secondUri.resolve("/healthz")).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);
            JsonNode two = send(http, secondUri, "{\"role\":\"user\",\"messageId\":\"m2\",\"contextId\":\"" + one.path("contextId").asText()
                    + "\",\"parts\":[{\"kind\":\"text\",\"text\":\"which word?\"}]}");
            assertThat(two.at("/status/state").asText()).as("%s", two).isEqualTo("completed");
            assertThat(two.at("/metadata/codexThreadId").asText()).isEqualTo(threadId);
            assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).userTexts())
                    .anySatisfy(t -> assertThat(t).contains("lantern"));

            // the second command's machine is lost mid-turn: its JVM SIGKILLed while alice's codex runs a command
            model.enqueue(ModelReply.builder().execCommand("call-sleep", "sleep 60").build());
            A2aCommandProcess.rpc(http, secondUri, TOKEN, "message/send", "{\"configuration\":{\"blocking\":false},\"message\":"
                    + "{\"role\":\"user\",\"messageId\":\"m3\",\"contextId\":\"" + one.path("contextId").asText()
                    + "\",\"parts\":[{\"kind\":\"text\",\"text\":\"sleep a while\"}]}}");
            await().atMost(Duration.ofSeconds(120)).until(() -> second.descendants().anyMatch(A2aCommandStoreLiveTest::sleeping));
            List<ProcessHandle> codexAndItsCommand = second.descendants().toList();
            assertThat(codexAndItsCommand).anyMatch(A2aCommandStoreLiveTest::sleeping)
                    .anyMatch(h -> h.info().commandLine().orElse("").contains("app-server"));
            second.destroyForcibly();
            long killed = System.nanoTime();
            // the short lease is safe only if no codex acts for the dead host once the lease can run out: two thirds of the
            // shortest lease is the least a dead host's lease has left (renewed at a third)
            await().atMost(ConversationStorage.MIN_OWN_CODEX_LEASE.multipliedBy(2).dividedBy(3)).pollInterval(Duration.ofMillis(20))
                    .until(() -> codexAndItsCommand.stream().noneMatch(ProcessHandle::isAlive));
            System.out.printf("a2a command killed mid-turn: its tenant's codex and the command it ran gone %.2f s after%n",
                    (System.nanoTime() - killed) / 1e9);
            try (DiskConversationStore stored = DiskConversationStore.open(store)) {
                assertThat(stored.get(threadId).orElseThrow().lastCompletedTurnId()).isEqualTo(two.at("/metadata/codexTurnId").asText(null))
                        .isNotNull();
                // free for another host once the dead command's lease (the CLI's default, 6 s) has run out
                ConversationLease[] taken = new ConversationLease[1];
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreException(ConversationLeasedException.class)
                        .until(() -> (taken[0] = stored.lease(threadId, "another host", Duration.ofMinutes(2))) != null);
                System.out.printf("a2a command killed mid-turn: its conversation free for another host %.2f s after%n",
                        (System.nanoTime() - killed) / 1e9);
                stored.release(taken[0]);
            }
        }
    }

    /** The command codex ran for alice's turn. */
    private static boolean sleeping(ProcessHandle h) {
        return h.info().commandLine().map(l -> l.endsWith("sleep 60")).orElse(false);
    }

    private Process start(Path home, Path tokens, Path store, Path tenants) throws Exception {
        Process p = A2aCommandProcess.start(List.of("--listen", "127.0.0.1:0", "--codex-home", home.toString(), "--tokens", tokens.toString(),
                "--contexts", tmp.resolve("contexts").toString(), "--tenants-root", tenants.toString(), "--store", store.toString()));
        started.add(p);
        return p;
    }

    private static URI uri(Process p) throws Exception {
        A2aCommandProcess.Listening at = A2aCommandProcess.listening(p);
        assertThat(at.line()).contains(", the conversation store in ");
        return at.uri();
    }

    private static JsonNode send(HttpClient http, URI uri, String message) throws Exception {
        return A2aCommandProcess.rpc(http, uri, TOKEN, "message/send", "{\"message\":" + message + "}");
    }

    private static List<Path> rolloutsUnder(Path root, String threadId) throws Exception {
        try (var files = Files.walk(root)) {
            return files.filter(f -> f.getFileName().toString().endsWith(threadId + ".jsonl")).toList();
        }
    }
}
