package dev.codexbridge.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.LangChain4jException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.TimeoutException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A turn that did not complete becomes the LangChain4j exception of its kind (docs/langchain4j.md, "Errors"). */
class FailuresTest {

    private static TurnResult failed(TurnOutcome outcome, ErrorCategory category) {
        return new TurnResult("thr-1", "turn-1", outcome, null, TurnFailure.of("codex said no", category, null),
                StopReason.values()[0], 0, 0, List.of(), 0, 1, 0, null, false, List.of());
    }

    @Test
    void eachCategoryHasItsException() {
        assertThat(Failures.of(failed(TurnOutcome.FAILED, ErrorCategory.AUTHENTICATION))).isInstanceOf(AuthenticationException.class);
        assertThat(Failures.of(failed(TurnOutcome.FAILED, ErrorCategory.MODEL_UNAVAILABLE))).isInstanceOf(ModelNotFoundException.class);
        assertThat(Failures.of(failed(TurnOutcome.FAILED, ErrorCategory.USAGE_LIMIT))).isInstanceOf(RateLimitException.class);
        assertThat(Failures.of(failed(TurnOutcome.TIMED_OUT, ErrorCategory.TIMEOUT))).isInstanceOf(TimeoutException.class);
        assertThat(Failures.of(failed(TurnOutcome.FAILED, ErrorCategory.CONTEXT_WINDOW))).isInstanceOf(InvalidRequestException.class);
        assertThat(Failures.of(failed(TurnOutcome.FAILED, ErrorCategory.SETTINGS_REJECTED))).isInstanceOf(InvalidRequestException.class);
        assertThat(Failures.of(failed(TurnOutcome.FAILED, ErrorCategory.PROCESS_DIED))).isInstanceOf(InternalServerException.class);
        assertThat(Failures.of(failed(TurnOutcome.INTERRUPTED, ErrorCategory.OTHER))).isExactlyInstanceOf(LangChain4jException.class);
    }

    @Test
    void theMessageCarriesCodexsWordsTheRemedyAndTheThread() {
        assertThat(Failures.of(failed(TurnOutcome.FAILED, ErrorCategory.USAGE_LIMIT)).getMessage())
                .contains("codex said no", ErrorCategory.USAGE_LIMIT.remediation(), "thr-1");
    }
}
