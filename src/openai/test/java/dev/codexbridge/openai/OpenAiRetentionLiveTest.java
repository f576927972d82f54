package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.NotFoundException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStatus;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.store.ConversationRetention;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A caller that comes back to a conversation the store's retention deleted, with the id of a
 * response it was given, is answered 404 as for an id its door never knew: the door's record of the
 * response outlives the conversation (its window is its own), but neither a fresh thread without the
 * history nor "send again" (503, which would be sent again forever) is an answer. The real codex of a
 * replica that never held the conversation, the scripted model, a store folder.
 */
class OpenAiRetentionLiveTest {
    private Path dir;
    private ScriptedModelServer model;
    private CodexClient codexOfA;
    private CodexClient codexOfB;
    private DiskConversationStore store;
    private OpenAiServer a;
    private OpenAiServer b;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, store, codexOfA, codexOfB, model}) {
            if (c != null) {
                c.close();
            }
        }
        if (dir != null) {
            TestDirs.delete(dir);
        }
    }

    @Test
    void aResponseOfAConversationRetentionDeletedIsNotFoundAndNothingRuns() throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        dir = TestDirs.create("openai-retention");
        Path work = Files.createDirectories(dir.resolve("work"));
        model = ScriptedModelServer.start();
        store = DiskConversationStore.open(dir.resolve("store"));
        codexOfA = OpenAiReplicasLiveTest.codex(Files.createTempDirectory(dir, "home-a"), model);
        a = OpenAiReplicasLiveTest.door(codexOfA, store, "replica-a", work);
        model.enqueue(ModelReply.message("Heron, noted."));
        Response first = client(a).responses().create(ResponseCreateParams.builder().model("gpt-5").input("remember the word heron").build());
        assertThat(first.status()).hasValue(ResponseStatus.COMPLETED);
        a.close();          // stored and let go
        a = null;

        Clock later = Clock.offset(Clock.systemUTC(), Duration.ofDays(31));
        ConversationRetention.Swept swept = ConversationRetention.builder(store).keepFor(Duration.ofDays(30)).clock(later).build().sweep();
        assertThat(swept.deleted()).as("%s: deleted, the door having stored it and let go as it closed", swept).isEqualTo(1);
        int asked = model.responsesRequests().size();

        codexOfB = OpenAiReplicasLiveTest.codex(Files.createTempDirectory(dir, "home-b"), model);
        b = OpenAiReplicasLiveTest.door(codexOfB, store, "replica-b", work);
        assertThatThrownBy(() -> client(b).responses().create(ResponseCreateParams.builder().model("gpt-5").input("which word?")
                .previousResponseId(first.id()).build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.getMessage()).contains(first.id()));
        assertThat(model.responsesRequests()).as("no turn ran").hasSize(asked);
        assertThat(store.list(null, 10)).as("no conversation put in its place").isEmpty();
    }

    private static OpenAIClient client(OpenAiServer door) {
        return OpenAIOkHttpClient.builder().baseUrl(door.uri() + "v1").apiKey(OpenAiJavaSdkLiveTest.ALICE)
                .timeout(Duration.ofSeconds(120)).maxRetries(0).build();
    }
}
