package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStatus;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.DoorRecords;
import dev.codexbridge.store.ForwardingStore;
import dev.codexbridge.store.LeaseLostException;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A replica of the door that lost a conversation's lease while it held it open (its renewals
 * refused, as when it is cut off from the store or stalled) while another replica went on with the
 * conversation: the next request for it on the first replica resumes it from the store, with the
 * other replica's turn in its history, instead of answering every later request "this host no
 * longer holds the conversation's lease" for as long as it runs (seen in the replicas chaos run).
 * Two doors with their own codex and home on one store folder; the real codex, the scripted model.
 */
class OpenAiLostLeaseLiveTest extends TwoReplicasRig {
    private static final String ALICE = OpenAiJavaSdkLiveTest.ALICE;

    /** While set, replica A's store refuses its renewals: its lease runs out as a cut-off replica's does. */
    private volatile boolean cutOff;

    @Test
    void aReplicaThatLostTheLeaseResumesTheConversationFromTheStoreOnItsNextRequest() throws Exception {
        startReplicas("openai-lost-lease", own -> new ForwardingStore(own) {
            @Override
            public ConversationLease renew(ConversationLease lease, Duration ttl) {
                if (cutOff) {
                    throw new LeaseLostException(lease, "replica A is cut off from the store");
                }
                return super.renew(lease, ttl);
            }

            @Override
            public Optional<DoorRecords> doorRecords(Duration window, int maxRecords) {
                return own.doorRecords(window, maxRecords);
            }
        });
        model.enqueue(ModelReply.message("Marble, noted."), ModelReply.message("Still marble, from B."),
                ModelReply.message("Marble, back on A."));
        OpenAIClient aliceOnA = client(a);
        OpenAIClient aliceOnB = client(b);

        Response first = aliceOnA.responses().create(ResponseCreateParams.builder().model("gpt-5").input("remember the word marble").build());
        assertThat(first.status()).hasValue(ResponseStatus.COMPLETED);
        String threadId = storeOfB.list(null, 10).get(0).threadId();
        cutOff = true;
        // A's renewal is refused and its lease runs out in the store: free for another replica to take
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            try {
                storeOfB.release(storeOfB.lease(threadId, "probe", Duration.ofMillis(1)));
                return true;
            } catch (ConversationLeasedException held) {
                return false;
            }
        });
        cutOff = false;

        Response second = aliceOnB.responses().create(ResponseCreateParams.builder().model("gpt-5").input("which word?")
                .previousResponseId(first.id()).build());
        assertThat(second.status()).hasValue(ResponseStatus.COMPLETED);
        Response third = aliceOnA.responses().create(ResponseCreateParams.builder().model("gpt-5").input("and once more?")
                .previousResponseId(second.id()).build());

        assertThat(third.status()).as("%s", third).hasValue(ResponseStatus.COMPLETED);
        assertThat(OpenAiJavaSdkLiveTest.text(third)).isEqualTo("Marble, back on A.");
        List<RecordedRequest> asked = model.responsesRequests();
        assertThat(asked.get(asked.size() - 1).bodyJson()).as("resumed from the store: B's turn is in the history A's codex sent")
                .contains("remember the word marble").contains("Still marble, from B.").contains("and once more?");
    }

    private static OpenAIClient client(OpenAiServer door) {
        return OpenAIOkHttpClient.builder().baseUrl(door.uri() + "v1").apiKey(ALICE).timeout(Duration.ofSeconds(120)).maxRetries(0).build();
    }
}
