package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.observe.TurnTelemetry;
import dev.codexbridge.session.internal.turn.TelemetryListener;
import dev.codexbridge.session.internal.turn.TurnTracing;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The listener that tells a turn's telemetry hooks what the turn hears, beside the host's listener. */
class TelemetryListenerTest {
    private final List<String> calls = new ArrayList<>();

    private final TurnListener host = new TurnListener() {
        @Override
        public void onTurnStarted(String key, String turnId) {
            calls.add("host started " + turnId);
        }

        @Override
        public void onApprovalRequested(ApprovalRequest request) {
            calls.add("host asked " + request.itemId());
        }

        @Override
        public void onWarning(String message) {
            calls.add("host warned " + message);
        }
    };

    private final TurnTelemetry telemetry = new TurnTelemetry() {
        @Override
        public void turnStarted(String turnId) {
            calls.add("telemetry started " + turnId);
        }

        @Override
        public void approvalRequested(ApprovalRequest request) {
            calls.add("telemetry asked " + request.itemId());
        }

        @Override
        public void retried(String errorType) {
            calls.add("telemetry retried " + errorType);
        }

        @Override
        public void tokenUsage(long inputTokens, long outputTokens) {
            calls.add("telemetry tokens " + inputTokens + "/" + outputTokens);
        }

        @Override
        public void ended(TurnEnd end) {
            throw new IllegalStateException("a broken hook");
        }
    };

    @Test
    void passesOnEveryListenerCall() {
        // a method added to TurnListener later must be passed on here too, or the host stops hearing it
        for (Method m : TurnListener.class.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers())) {
                assertThat(declares(TelemetryListener.class, m)).as("TelemetryListener overrides %s", m.getName()).isTrue();
            }
        }
    }

    @Test
    void theHostHearsFirstExceptAnApprovalWhoseWaitIsTimedFromTheAsk() {
        TurnListener l = TurnTracing.listener(telemetry, host);
        l.onTurnStarted("k", "turn-1");
        l.onApprovalRequested(new ApprovalRequest(ApprovalKind.COMMAND, "item/commandExecution/requestApproval", "t", "turn-1",
                "item-1", "run ls", "ls", "ls", "/w", null, null, null, List.of(), null));
        l.onWarning("careful");
        l.onRetry(TurnFailure.of("slow down", ErrorCategory.USAGE_LIMIT, null));
        l.onTokenUsage(new TokenUsage(new TokenUsage.Counts(30, 20, 0, 10, 0), new TokenUsage.Counts(3, 2, 0, 1, 0), null));
        l.onTokenUsage(null);
        l.onRateLimitWait(null);

        assertThat(calls).containsExactly("host started turn-1", "telemetry started turn-1", "telemetry asked item-1",
                "host asked item-1", "host warned careful", "telemetry retried usageLimit", "telemetry tokens 2/1");
    }

    @Test
    void withTelemetryOffTheHostsListenerIsUsedAsIs() {
        assertThat(TurnTracing.listener(TurnTelemetry.NONE, host)).isSameAs(host);
        assertThat(TurnTracing.listener(TurnTelemetry.NONE, null)).isSameAs(TurnListener.NONE);
    }

    @Test
    void aHookThatThrowsAtTheEndDoesNotKeepTheSessionBusy() {
        TurnResult result = new TurnResult("t", "turn-1", TurnOutcome.COMPLETED, "done", null, StopReason.NATURAL, 0, 0,
                List.of(), 5, 1, 0, null, false, List.of());
        assertThatCode(() -> TurnTracing.ended(telemetry, result, null)).doesNotThrowAnyException();
        TurnTelemetry.TurnEnd end = TurnTracing.end(result);
        assertThat(end.completed()).isTrue();
        assertThat(end.status()).isEqualTo("completed");
        assertThat(end.finalText()).isEqualTo("done");
    }

    private static boolean declares(Class<?> type, Method m) {
        try {
            type.getDeclaredMethod(m.getName(), m.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
