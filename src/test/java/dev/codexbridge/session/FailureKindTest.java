package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.process.CodexNotFoundException;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.RpcTimeoutException;
import dev.codexbridge.tenant.TenantCapacityException;
import dev.codexbridge.tenant.TenantLimit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Every exception a host meets before or around a turn has a kind to branch on, and input codex would refuse is refused first. */
class FailureKindTest {
    @Test
    void threadOpenFailuresSayWhatAHostAnswers() {
        RpcException noRollout = new RpcException("thread/resume", new RpcError(RpcError.INVALID_REQUEST,
                "no rollout found for thread id 019a-x"));
        assertThat(ThreadOpenException.of("codex has no record of thread 019a-x", noRollout).kind()).isEqualTo(FailureKind.UNKNOWN_THREAD);
        assertThat(ThreadOpenException.of("codex could not resume", new RpcTimeoutException("thread/resume", Duration.ofSeconds(1))).kind())
                .isEqualTo(FailureKind.CODEX_UNAVAILABLE);
        assertThat(ThreadOpenException.of("codex could not resume", new ConnectionClosedException("gone")).kind())
                .isEqualTo(FailureKind.CODEX_UNAVAILABLE);
        CodexException open = new CodexException("thread t is already open in another session on this connection", FailureKind.ALREADY_OPEN);
        assertThat(ThreadOpenException.of("codex could not resume thread t", open).kind()).isEqualTo(FailureKind.ALREADY_OPEN);
        ThreadOpenException e = ThreadOpenException.of("x", noRollout);
        assertThat(e).isInstanceOf(CodexException.class);
        assertThat(e.category()).isNotNull();
    }

    @Test
    void theOtherExceptionsCarryTheirKind() {
        assertThat(new ThreadAccessDeniedException("bob", "t", ThreadOperation.RESUME).kind()).isEqualTo(FailureKind.ACCESS_REFUSED);
        assertThat(new CodexNotFoundException("no codex").kind()).isEqualTo(FailureKind.CODEX_UNAVAILABLE);
        assertThat(new TenantCapacityException("a", TenantLimit.PROCESSES, Duration.ofSeconds(1), "full").kind())
                .isEqualTo(FailureKind.CAPACITY);
        assertThat(new InvalidInputException("empty").kind()).isEqualTo(FailureKind.INVALID_INPUT);
        assertThat(new CodexException("anything").kind()).isEqualTo(FailureKind.OTHER);
        assertThat(FailureKind.UNKNOWN_THREAD.httpStatus()).isEqualTo(404);
        assertThat(FailureKind.ALREADY_OPEN.httpStatus()).isEqualTo(409);
        assertThat(FailureKind.ACCESS_REFUSED.httpStatus()).isEqualTo(403);
        assertThat(FailureKind.CODEX_UNAVAILABLE.httpStatus()).isEqualTo(503);
        assertThat(FailureKind.INVALID_INPUT.httpStatus()).isEqualTo(400);
        assertThat(FailureKind.CAPACITY.httpStatus()).isEqualTo(429);
    }

    @Test
    void inputCodexWouldRefuseIsRefusedWhenBuilt() {
        assertThatThrownBy(() -> TurnInput.text("")).isInstanceOf(InvalidInputException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> TurnInput.text(" \n\t")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> TurnInput.builder().build()).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> TurnInput.text("before \ud800 after")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("U+D800").hasMessageContaining("index 7");
        assertThatThrownBy(() -> TurnInput.text("\udc00")).isInstanceOf(InvalidInputException.class).hasMessageContaining("U+DC00");
        assertThatThrownBy(() -> TurnInput.text("end \ud83d")).isInstanceOf(InvalidInputException.class);
        String max = "a".repeat(TurnInput.MAX_TEXT_CODE_POINTS);
        assertThat(TurnInput.text(max).toUserInputs()).hasSize(1);
        assertThatThrownBy(() -> TurnInput.text(max + "b")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(String.valueOf(TurnInput.MAX_TEXT_CODE_POINTS + 1));
        // code points, not UTF-16 units: a limit's worth of emoji (two units each) is accepted
        String emoji = "\ud83d\ude00".repeat(TurnInput.MAX_TEXT_CODE_POINTS);
        assertThat(TurnInput.text(emoji).toUserInputs()).hasSize(1);
        // the limit is over all text parts together
        String half = "a".repeat(TurnInput.MAX_TEXT_CODE_POINTS / 2 + 1);
        assertThatThrownBy(() -> TurnInput.builder().text(half).text(half).build()).isInstanceOf(InvalidInputException.class);
        // valid pairs, and blank text beside an image, are fine
        assertThat(TurnInput.text("smile \ud83d\ude00").toUserInputs()).hasSize(1);
        assertThat(TurnInput.builder().text(" ").imageDataUrl("data:image/png;base64,AA==").build().toUserInputs()).hasSize(2);
    }
}
