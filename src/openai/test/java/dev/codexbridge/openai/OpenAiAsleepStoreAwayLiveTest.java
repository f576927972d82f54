package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.DoorRecords;
import dev.codexbridge.store.ForwardingStore;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A conversation asleep in the store (its thread let go) whose store does not answer when its
 * next request comes: the door wakes it before the turn, so the caller is told 503
 * {@code store_unavailable}, "send again", with nothing run — whole and streamed alike (the status,
 * before any event) — rather than a response that failed for a turn that never went out (seen in
 * the replicas chaos run). Once the store answers, the same request goes on. The real codex, the
 * scripted model, a store folder whose leases fail while it is "away".
 */
class OpenAiAsleepStoreAwayLiveTest {
    private Path dir;
    private ScriptedModelServer model;
    private CodexClient codex;
    private DiskConversationStore store;
    private OpenAiServer door;
    /** While set, taking a lease fails as a store whose database does not answer. */
    private volatile boolean away;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {door, store, codex, model}) {
            if (c != null) {
                c.close();
            }
        }
        if (dir != null) {
            TestDirs.delete(dir);
        }
    }

    @Test
    void aSleepingConversationWhoseStoreIsAwayIsSendAgainWholeAndStreamedAndGoesOnOnceItIsBack() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        dir = TestDirs.create("openai-asleep-store-away");
        Path work = Files.createDirectories(dir.resolve("work"));
        model = ScriptedModelServer.start();
        codex = OpenAiReplicasLiveTest.codex(Files.createTempDirectory(dir, "home"), model);
        store = DiskConversationStore.open(dir.resolve("store"));
        ForwardingStore flaky = new ForwardingStore(store) {
            @Override
            public ConversationLease lease(String threadId, String holder, Duration ttl) {
                if (away) {
                    throw new ConversationStoreException(threadId, "the database has not answered for 6 s", null);
                }
                return super.lease(threadId, holder, ttl);
            }

            @Override
            public Optional<DoorRecords> doorRecords(Duration window, int maxRecords) {
                return store.doorRecords(window, maxRecords);
            }
        };
        CodexGateway gateway = CodexGateway.builder().client(codex)
                .storage(ConversationStorage.builder(flaky, "replica-a").leaseTime(ConversationStorage.DOORS_LEASE).build())
                .configure(s -> s.cwd(work).hibernateAfter(Duration.ofSeconds(1)).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)))
                .build();
        door = OpenAiServer.builder().gateway(gateway).authenticator(BearerTokens.of(Map.of(OpenAiJavaSdkLiveTest.ALICE, "alice"))).start();
        OpenAIClient alice = OpenAIOkHttpClient.builder().baseUrl(door.uri() + "v1").apiKey(OpenAiJavaSdkLiveTest.ALICE)
                .timeout(Duration.ofSeconds(120)).maxRetries(0).build();
        model.enqueue(ModelReply.message("Otter, noted."), ModelReply.message("Still otter."));

        Response first = alice.responses().create(ResponseCreateParams.builder().model("gpt-5").input("remember the word otter").build());
        assertThat(first.status()).hasValue(ResponseStatus.COMPLETED);
        String threadId = store.list(null, 10).get(0).threadId();
        // asleep: stored away and its lease given back
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            try {
                store.release(store.lease(threadId, "probe", Duration.ofMillis(1)));
                return true;
            } catch (ConversationLeasedException held) {
                return false;
            }
        });
        int asked = model.responsesRequests().size();

        away = true;
        ResponseCreateParams next = ResponseCreateParams.builder().model("gpt-5").input("which word?").previousResponseId(first.id()).build();
        assertThatThrownBy(() -> alice.responses().create(next)).isInstanceOfSatisfying(OpenAIServiceException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(503);
            assertThat(e.code()).hasValue("store_unavailable");
            assertThat(e.headers().values("retry-after")).isNotEmpty();
        });
        assertThatThrownBy(() -> {
            try (StreamResponse<ResponseStreamEvent> stream = alice.responses().createStreaming(next)) {
                stream.stream().forEach(event -> { });
            }
        }).as("streamed: the status says it, before any event").isInstanceOfSatisfying(OpenAIServiceException.class,
                e -> assertThat(e.statusCode()).isEqualTo(503));
        assertThat(model.responsesRequests()).as("nothing ran").hasSize(asked);

        away = false;
        Response again = alice.responses().create(next);
        assertThat(again.status()).hasValue(ResponseStatus.COMPLETED);
        assertThat(OpenAiJavaSdkLiveTest.text(again)).isEqualTo("Still otter.");
    }
}
