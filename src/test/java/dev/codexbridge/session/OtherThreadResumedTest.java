package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Codex resumes the thread a rollout's first line names, whatever the file is called: a resume
 * answered with another thread than the one asked for runs no turn, follows nothing of that
 * thread, and lets go of it.
 */
class OtherThreadResumedTest {
    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned();
    private final FakeCodex codex = fake.codex();

    @Test
    void aResumeAnsweredWithAnotherThreadFailsTheTurnBeforeItIsSentAndLeavesThatThread() throws Exception {
        codex.resumeAnswer = asked -> CompletableFuture.completedFuture(FakeCodex.thread("thread-other"));
        CodexClient client = fake.track(CodexClient.builder().transport(codex.factory()).connect());
        CodexSession session = fake.track(CodexSession.builder().client(client).cwd(Path.of("/w")).resumeThread("thread-asked")
                .limits(TurnLimits.of(Duration.ofSeconds(30), Duration.ZERO)).build());

        TurnResult result = session.runTurn(TurnInput.text("hello"));

        assertThat(result.status()).isEqualTo(TurnOutcome.FAILED);
        assertThat(result.error().message()).contains("codex resumed thread thread-other when asked for thread thread-asked");
        assertThat(result.error().category()).as("not a connection's end: not sent again elsewhere").isEqualTo(ErrorCategory.OTHER);
        assertThat(sent("turn/start")).isZero();
        assertThat(client.attachedThreads()).as("nothing of the other thread is followed").isZero();
        await().atMost(Duration.ofSeconds(60)).until(() -> codex.received().stream()
                .anyMatch(m -> "thread/unsubscribe".equals(m.path("method").asText()) && "thread-other".equals(m.path("params").path("threadId").asText())));
    }

    private long sent(String method) {
        return codex.received().stream().map(m -> m.path("method")).filter(JsonNode::isTextual).map(JsonNode::asText).filter(method::equals).count();
    }
}
