package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseRetrieveParams;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import dev.codexbridge.protocol.ThreadLoadedListParams;
import dev.codexbridge.protocol.ThreadTurnsListParams;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.protocol.TurnStatus;
import dev.codexbridge.testkit.ModelReply;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A background response created on one replica and read, continued, streamed and cancelled on
 * another sharing its store, through the official openai-java SDK: the real codex behind each
 * door, the scripted model holding the turn until the test lets it go. Two doors with their own
 * codex and home on one store folder.
 */
class OpenAiBackgroundAcrossReplicasLiveTest extends TwoReplicasRig {
    private static final String ALICE = OpenAiJavaSdkLiveTest.ALICE;
    private static final String BOB = OpenAiJavaSdkLiveTest.BOB;

    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void letTheModelGo() {
        release.countDown();
    }

    private static OpenAIClient client(OpenAiServer door, String key) {
        return OpenAIOkHttpClient.builder().baseUrl(door.uri() + "v1").apiKey(key).timeout(Duration.ofSeconds(120)).maxRetries(0).build();
    }

    @Test
    void aBackgroundResponseRunningOnOneReplicaIsReadContinuedStreamedAndCancelledOnAnother() throws Exception {
        startReplicas("openai-background-replicas", store -> store);
        OpenAiBackgroundLiveTest.holdModelUntil(model, release, ModelReply.message("Never seen: cancelled first."));
        OpenAIClient aliceOnA = client(a, ALICE);
        OpenAIClient aliceOnB = client(b, ALICE);
        OpenAIClient bobOnB = client(b, BOB);

        Response created = aliceOnA.responses().create(ResponseCreateParams.builder().model("gpt-5").input("a long job")
                .background(true).build());
        model.awaitResponsesRequests(1, Duration.ofSeconds(60));
        List<String> loadedOnA = codexOfA.threadLoadedList(new ThreadLoadedListParams(null, 10L)).data();
        assertThat(loadedOnA).hasSize(1);
        // read on B while A runs it: in progress, another principal's id unknown there as everywhere
        assertThat(aliceOnB.responses().retrieve(created.id()).status()).contains(ResponseStatus.IN_PROGRESS);
        assertThatThrownBy(() -> bobOnB.responses().retrieve(created.id())).isInstanceOf(NotFoundException.class);
        // continued on B while it runs: busy, send again, as on A
        assertThatThrownBy(() -> aliceOnB.responses().create(ResponseCreateParams.builder().model("gpt-5").input("and?")
                .previousResponseId(created.id()).build()))
                .isInstanceOfSatisfying(RateLimitException.class, e -> assertThat(e.code()).contains("conversation_busy"));
        // streamed again on B: its events are A's; from a point, refused naming the parameter; whole, they come once it ended
        assertThatThrownBy(() -> aliceOnB.responses().retrieveStreaming(created.id(), ResponseRetrieveParams.builder().startingAfter(2L)
                .build()).stream().count())
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("starting_after"));
        CompletableFuture<List<ResponseStreamEvent>> streamedOnB = CompletableFuture.supplyAsync(() -> {
            try (StreamResponse<ResponseStreamEvent> all = aliceOnB.responses().retrieveStreaming(created.id())) {
                return all.stream().collect(Collectors.toList());
            }
        });

        assertThatThrownBy(() -> bobOnB.responses().cancel(created.id())).isInstanceOf(NotFoundException.class);
        Response cancelled = aliceOnB.responses().cancel(created.id());

        assertThat(cancelled.status()).as("%s", cancelled).contains(ResponseStatus.CANCELLED);
        assertThat(aliceOnA.responses().retrieve(created.id()).status()).contains(ResponseStatus.CANCELLED);
        assertThat(aliceOnB.responses().cancel(created.id()).status()).as("cancelled again: as it is").contains(ResponseStatus.CANCELLED);
        List<ResponseStreamEvent> events = streamedOnB.get(60, TimeUnit.SECONDS);
        assertThat(events.get(0).isCreated()).isTrue();
        ResponseStreamEvent last = events.get(events.size() - 1);
        assertThat(last.isIncomplete()).as("the API's terminal event for a response cut short").isTrue();
        assertThat(last.asIncomplete().response().status()).contains(ResponseStatus.CANCELLED);
        // codex's own record on A: the turn was interrupted, not run on
        List<Turn> turns = codexOfA.threadTurnsList(ThreadTurnsListParams.builder().threadId(loadedOnA.get(0)).limit(10L).build()).data();
        assertThat(turns).extracting(Turn::status).containsExactly(TurnStatus.INTERRUPTED);

        // the conversation goes on from it on B
        model.respondWhenEmpty(null);
        release.countDown();
        model.enqueue(ModelReply.message("Picked up on B."));
        Response next = aliceOnB.responses().create(ResponseCreateParams.builder().model("gpt-5").input("start over, smaller")
                .previousResponseId(created.id()).build());
        assertThat(OpenAiJavaSdkLiveTest.text(next)).isEqualTo("Picked up on B.");
    }
}
