package dev.codexbridge.session.internal.failure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.support.FakeCodex;
import org.junit.jupiter.api.Test;

/** The remedy a failure carries is true for the session's shape; codex's refusals sorted by what codex says. */
class FailureAdviceTest {
    @Test
    void onlyASessionWithItsOwnCodexIsToldItStartsAFreshOne() {
        TurnFailure died = TurnFailure.of("codex (pid 7) exited with code 137 during the turn", ErrorCategory.PROCESS_DIED, null);
        assertThat(FailureAdvice.forShape(died, FailureAdvice.Shape.OWN_PROCESS).remediation())
                .isEqualTo(ErrorCategory.PROCESS_DIED.remediation()).contains("starts a fresh codex");
        for (FailureAdvice.Shape other : new FailureAdvice.Shape[] {FailureAdvice.Shape.OWN_REMOTE, FailureAdvice.Shape.SHARED,
                FailureAdvice.Shape.SHARED_RECONNECTING, FailureAdvice.Shape.POOLED}) {
            TurnFailure advised = FailureAdvice.forShape(died, other);
            assertThat(advised.remediation()).as(other.name()).doesNotContain("starts a fresh codex");
            assertThat(advised.message()).isEqualTo(died.message());
            assertThat(advised.category()).isEqualTo(ErrorCategory.PROCESS_DIED);
        }
        assertThat(FailureAdvice.remediation(ErrorCategory.PROCESS_DIED, FailureAdvice.Shape.SHARED)).contains("has no ReconnectPolicy");
        assertThat(FailureAdvice.remediation(ErrorCategory.PROCESS_DIED, FailureAdvice.Shape.SHARED_RECONNECTING)).contains("reconnects");
        assertThat(FailureAdvice.remediation(ErrorCategory.PROCESS_DIED, FailureAdvice.Shape.POOLED)).contains("pool.resumeSession");
        assertThat(FailureAdvice.remediation(ErrorCategory.CLOSED_BY_HOST, FailureAdvice.Shape.POOLED)).contains("pool.resumeSession");
        assertThat(FailureAdvice.remediation(ErrorCategory.CONNECTION_CLOSED, FailureAdvice.Shape.POOLED)).contains("pool.resumeSession");
    }

    @Test
    void theShapeIsReadFromTheClient() {
        assertThat(FailureAdvice.shapeOf(null, false)).isEqualTo(FailureAdvice.Shape.OWN_PROCESS);
        assertThat(FailureAdvice.shapeOf(null, true)).isEqualTo(FailureAdvice.Shape.OWN_REMOTE);
        FakeCodex codex = new FakeCodex();
        try (CodexClient plain = CodexClient.builder().transport(codex.factory()).connect();
             CodexClient reconnecting = CodexClient.builder().transport(codex.factory()).reconnect(ReconnectPolicy.DEFAULT).connect();
             CodexClient pooled = CodexClient.builder().transport(codex.factory()).connect()) {
            ClientPlumbing.of(pooled).markPooled("ws://127.0.0.1:1/");     // as CodexPool does with each endpoint's client
            assertThat(FailureAdvice.shapeOf(plain, false)).isEqualTo(FailureAdvice.Shape.SHARED);
            assertThat(FailureAdvice.shapeOf(reconnecting, false)).isEqualTo(FailureAdvice.Shape.SHARED_RECONNECTING);
            assertThat(FailureAdvice.shapeOf(pooled, false)).isEqualTo(FailureAdvice.Shape.POOLED);
        }
    }

    @Test
    void categoriesWhoseRemedyDoesNotDependOnTheShapeKeepIt() {
        TurnFailure auth = TurnFailure.of("401 Unauthorized", ErrorCategory.AUTHENTICATION, null);
        assertThat(FailureAdvice.forShape(auth, FailureAdvice.Shape.POOLED)).isSameAs(auth);
        assertThat(FailureAdvice.forShape(null, FailureAdvice.Shape.SHARED)).isNull();
    }

    @Test
    void aRefusedValueIsARejectedSettingAnythingElseRefusedIsProtocol() {
        assertThat(ErrorClassifier.refusal(refused(RpcError.INVALID_REQUEST,
                "Invalid request: unknown variant `on_request`, expected one of `untrusted`, `on-request`, `granular`, `never`")))
                .isEqualTo(ErrorCategory.SETTINGS_REJECTED);
        assertThat(ErrorClassifier.refusal(refused(RpcError.INVALID_REQUEST,
                "failed to load configuration: /h/config.toml:3:19: unknown variant `on_request`")))
                .isEqualTo(ErrorCategory.SETTINGS_REJECTED);
        assertThat(ErrorClassifier.refusal(refused(RpcError.INVALID_PARAMS, "missing field `threadId`"))).isEqualTo(ErrorCategory.SETTINGS_REJECTED);
        assertThat(ErrorClassifier.refusal(refused(RpcError.INVALID_REQUEST, "thread 0199 already has an active writer")))
                .isEqualTo(ErrorCategory.PROTOCOL);
        assertThat(ErrorClassifier.refusal(refused(RpcError.INTERNAL_ERROR, "unknown variant in a place codex got wrong")))
                .as("codex's own failure is no setting of the host's").isEqualTo(ErrorCategory.PROTOCOL);
    }

    @Test
    void overloadedToEveryTryIsCapacityNothingRan() {
        RpcException overloaded = new RpcException("turn/start", new RpcError(RpcError.SERVER_OVERLOADED, "Server overloaded; retry later."));
        assertThat(ErrorClassifier.refusal(overloaded)).isEqualTo(ErrorCategory.CAPACITY);
        TurnFailure turn = ErrorClassifier.turnRefused(overloaded);
        assertThat(turn.category()).isEqualTo(ErrorCategory.CAPACITY);
        assertThat(turn.message()).isEqualTo("turn/start failed: codex answered every try \"Server overloaded; retry later.\"; nothing ran");
        assertThat(ErrorClassifier.refusal(refused(RpcError.SERVER_OVERLOADED, "Server overloaded; retry later.")))
                .as("a thread's open too").isEqualTo(ErrorCategory.CAPACITY);
    }

    private static RpcException refused(int code, String message) {
        return new RpcException("thread/start", new RpcError(code, message));
    }
}
