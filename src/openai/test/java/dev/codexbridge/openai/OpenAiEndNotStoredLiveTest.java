package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStatus;
import dev.codexbridge.store.DoorRecords;
import dev.codexbridge.store.ForwardingStore;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A response a replica answered while its door records could not reach the store (cut off after
 * the response began, decision 0144): the other replica reads the response as in progress, and a
 * continuation from it there is told to send again — not "no such response", which reads as final
 * — until the first replica's retry puts its end in the store; then it goes on with the whole
 * history. Two doors with their own codex and home on one store folder; the real codex, the
 * scripted model.
 */
class OpenAiEndNotStoredLiveTest extends TwoReplicasRig {
    private static final String ALICE = OpenAiJavaSdkLiveTest.ALICE;

    /** Replica A's door records: none reach the store while down, as when A is cut off from it. */
    private final AtomicReference<FailingDoorRecords> recordsOfA = new AtomicReference<>();
    /** Set once replica A wrote a response as it runs. */
    private volatile boolean begunWritten;

    @Test
    void aResponseWhoseEndTheStoreHasNotTakenIsInProgressElsewhereAndGoesOnThereOnceItHas() throws Exception {
        startWithRecordsOfA("openai-end-not-stored");
        model.enqueue(ModelReply.message("Slate, noted."));
        OpenAIClient aliceOnA = client(a);
        OpenAIClient aliceOnB = client(b);
        Response first = aliceOnA.responses().create(ResponseCreateParams.builder().model("gpt-5").input("remember the word slate").build());
        assertThat(first.status()).hasValue(ResponseStatus.COMPLETED);

        // the second response's turn asks the model once its beginning is in the store; the cut comes then
        begunWritten = false;
        model.respondWhenEmpty(request -> {
            await().atMost(Duration.ofSeconds(30)).until(() -> begunWritten);
            recordsOfA.get().down = true;
            return ModelReply.message("Slate, still.");
        });
        Response second = aliceOnA.responses().create(ResponseCreateParams.builder().model("gpt-5").input("which word?")
                .previousResponseId(first.id()).build());
        assertThat(second.status()).as("answered, its records kept on A").hasValue(ResponseStatus.COMPLETED);
        model.respondWhenEmpty(null);

        assertThat(aliceOnB.responses().retrieve(second.id()).status()).as("B reads it as begun").hasValue(ResponseStatus.IN_PROGRESS);
        assertThatThrownBy(() -> aliceOnB.responses().create(ResponseCreateParams.builder().model("gpt-5").input("and now?")
                .previousResponseId(second.id()).build())).as("send again, not unknown")
                .isInstanceOfSatisfying(RateLimitException.class, e -> assertThat(e.getMessage()).contains("still in progress"));

        recordsOfA.get().down = false;
        await().atMost(Duration.ofSeconds(30)).until(() -> aliceOnB.responses().retrieve(second.id()).status()
                .equals(Optional.of(ResponseStatus.COMPLETED)));
        model.enqueue(ModelReply.message("Slate, from B."));
        Response third = aliceOnB.responses().create(ResponseCreateParams.builder().model("gpt-5").input("and now?")
                .previousResponseId(second.id()).build());
        assertThat(third.status()).as("%s", third).hasValue(ResponseStatus.COMPLETED);
        List<RecordedRequest> asked = model.responsesRequests();
        assertThat(asked.get(asked.size() - 1).bodyJson()).as("B went on with the whole conversation")
                .contains("remember the word slate").contains("Slate, still.").contains("and now?");
    }

    @Test
    void aStreamedResponsesLastEventComesOnceItsRecordIsInTheStoreSoTheOtherReplicaGoesOnFromItAtOnce() throws Exception {
        startWithRecordsOfA("openai-end-stored-first");
        model.enqueue(ModelReply.message("Basalt, noted."), ModelReply.message("Basalt, from B."));
        // each response's end takes a second to reach the store from A
        recordsOfA.get().beforePut = (kind, value) -> {
            if (kind.equals(StoredResponseRecords.RESPONSE) && !new String(value, StandardCharsets.ISO_8859_1).contains("running_ms")) {
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        String id = null;
        try (com.openai.core.http.StreamResponse<com.openai.models.responses.ResponseStreamEvent> events = client(a).responses()
                .createStreaming(ResponseCreateParams.builder().model("gpt-5").input("remember the word basalt").build())) {
            for (var e : (Iterable<com.openai.models.responses.ResponseStreamEvent>) events.stream()::iterator) {
                if (e.isCompleted()) {
                    id = e.asCompleted().response().id();
                    break;
                }
            }
        }
        assertThat(id).as("the stream's last event").isNotNull();
        Response next = client(b).responses().create(ResponseCreateParams.builder().model("gpt-5").input("which word?")
                .previousResponseId(id).build());
        assertThat(next.status()).as("went on from it at once, on the other replica").hasValue(ResponseStatus.COMPLETED);
    }

    /** Both replicas, A's door records through {@link #recordsOfA}. */
    private void startWithRecordsOfA(String name) throws Exception {
        startReplicas(name, own -> new ForwardingStore(own) {
            @Override
            public Optional<DoorRecords> doorRecords(Duration window, int maxRecords) {
                return own.doorRecords(window, maxRecords).map(records -> recordsOfA.updateAndGet(was -> was != null ? was
                        : cutWhenBegun(new FailingDoorRecords(records))));
            }
        });
    }

    /** {@code records}, telling the test when a response was written as it runs. */
    private FailingDoorRecords cutWhenBegun(FailingDoorRecords records) {
        records.onPut = (kind, value) -> {
            if (kind.equals(StoredResponseRecords.RESPONSE) && new String(value, StandardCharsets.ISO_8859_1)
                    .contains("running_ms")) {
                begunWritten = true;
            }
        };
        return records;
    }

    private static OpenAIClient client(OpenAiServer door) {
        return OpenAIOkHttpClient.builder().baseUrl(door.uri() + "v1").apiKey(ALICE).timeout(Duration.ofSeconds(120)).maxRetries(0).build();
    }
}
