package dev.codexbridge.langchain4j;

import dev.codexbridge.session.ErrorCategory;
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

/** A turn that did not complete, as the LangChain4j exception an application already handles. */
final class Failures {
    private Failures() {
    }

    static LangChain4jException of(TurnResult r) {
        TurnFailure f = r.error();
        String message = "codex turn " + r.status().wire() + (f == null ? "" : ": " + f.message() + " (" + f.remediation() + ")")
                + (r.threadId() == null ? "" : " [thread " + r.threadId() + "]");
        if (r.status() == TurnOutcome.TIMED_OUT) {
            return new TimeoutException(message);
        }
        ErrorCategory category = f == null ? ErrorCategory.OTHER : f.category();
        return switch (category) {
            case AUTHENTICATION -> new AuthenticationException(message);
            case MODEL_UNAVAILABLE -> new ModelNotFoundException(message);
            case USAGE_LIMIT -> new RateLimitException(message);
            case TIMEOUT -> new TimeoutException(message);
            case CONTEXT_WINDOW, PROTOCOL, SETTINGS_REJECTED -> new InvalidRequestException(message);
            case PROCESS_DIED, CONNECTION_CLOSED, OVERFLOW -> new InternalServerException(message);
            default -> new LangChain4jException(message);
        };
    }

    /** An exception of the library (codex would not start, a refused input), kept as the cause. */
    static LangChain4jException of(Throwable t) {
        if (t instanceof LangChain4jException l) {
            return l;
        }
        if (t instanceof dev.codexbridge.session.InvalidInputException) {
            return new InvalidRequestException(t.getMessage(), t);
        }
        return new LangChain4jException("codex: " + t.getMessage(), t);
    }
}
