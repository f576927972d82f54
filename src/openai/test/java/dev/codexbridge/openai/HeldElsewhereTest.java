package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.TokenUsage;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A turn that failed before it went out to codex because another replica holds its conversation
 * (the session's wake refused within its bound: {@link TurnFailure#heldUntil}) ran nothing: the
 * door answers it 503 {@code conversation_elsewhere}, "send again", on the Responses API and on
 * Chat Completions alike — never a failed response that reads as if codex might have run it (seen in
 * the replicas chaos run: 6 such answers).
 */
class HeldElsewhereTest {
    private static TurnResult failed(@Nullable Instant heldUntil) {
        TokenUsage.Counts none = new TokenUsage.Counts(0, 0, 0, 0, 0);
        TurnFailure why = new TurnFailure("thread thread-1 is held by another host", ErrorCategory.OTHER, "send again", null, heldUntil);
        return new TurnResult("thread-1", null, TurnOutcome.FAILED, "", why, StopReason.NATURAL, 0, 0, List.of(), 0, 0, 0,
                new TokenUsage(none, none, null), false, List.of());
    }

    @Test
    void aTurnRefusedForAnotherReplicasHoldIsSendAgainWithWhenToTry() {
        OpenAiError e = Conversations.heldElsewhere(failed(Instant.now().plus(Duration.ofSeconds(5))));
        assertThat(e).isNotNull();
        assertThat(e.status).isEqualTo(503);
        assertThat(e.body().toString()).contains("conversation_elsewhere").contains("nothing was run");
        assertThat(e.retryAfterSeconds).isBetween(1, 6);
        assertThat(ChatCompletionsApi.failure(failed(Instant.now().plusSeconds(5))).status).isEqualTo(503);
    }

    @Test
    void anyOtherFailureMayHaveRunAndIsNotSendAgain() {
        assertThat(Conversations.heldElsewhere(failed(null))).isNull();
        assertThat(Conversations.heldElsewhere(null)).isNull();
        assertThat(ChatCompletionsApi.failure(failed(null)).status).isNotEqualTo(503);
    }
}
