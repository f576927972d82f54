package dev.codexbridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.protocol.DynamicToolSpec;
import dev.codexbridge.protocol.ThreadTokenUsage;
import dev.codexbridge.protocol.UserInput;
import dev.codexbridge.session.internal.ApiAccess;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The one grant of {@link ApiAccess}: the package-private members of this package's API types that
 * the machinery under {@code session.internal} calls, forwarded (decision 0106).
 */
final class MachineryAccess extends ApiAccess {
    static {
        ApiAccess.grant(new MachineryAccess());
    }

    private MachineryAccess() {
    }

    @Override
    public TurnFailure withRemediation(TurnFailure failure, String advice) {
        return failure.withRemediation(advice);
    }

    @Override
    public TurnResult withStoreFailed(TurnResult completed) {
        return completed.withStoreFailed();
    }

    @Override
    public TurnResult notKept(TurnResult completed, TurnFailure why) {
        return completed.notKept(why);
    }

    @Override
    public TurnResult withThreadReplaced(TurnResult completed, ThreadReplacement replacement) {
        return completed.withThreadReplaced(replacement);
    }

    @Override
    public TurnResult withError(TurnResult completed, TurnFailure why) {
        return completed.withError(why);
    }

    @Override
    public TurnFailure withMessage(TurnFailure failure, String text) {
        return failure.withMessage(text);
    }

    @Override
    public TurnFailure heldElsewhere(String message, Instant until) {
        return TurnFailure.heldElsewhere(message, until);
    }

    @Override
    public RateLimitSignal rateLimitOf(TurnFailure error, RateLimitSignal.Source source) {
        return RateLimitSignal.of(error, source);
    }

    @Override
    public TokenUsage tokenUsage(ThreadTokenUsage usage) {
        return TokenUsage.of(usage);
    }

    @Override
    public void requireSomeTimeout(TurnLimits limits) {
        limits.requireSomeTimeout();
    }

    @Override
    public TurnHandle turnHandle(String key, @Nullable String threadId, Runnable interrupt, CompletableFuture<TurnResult> result) {
        return new TurnHandle(key, threadId, interrupt, result);
    }

    @Override
    public void identified(TurnHandle handle, String threadId, String turnId) {
        handle.identified(threadId, turnId);
    }

    @Override
    public JsonNode turnStartParams(TurnOptions options, String threadId, List<UserInput> input, String clientMessageId) {
        return options.turnStartParams(threadId, input, clientMessageId);
    }

    @Override
    public JsonNode startParams(ThreadOptions options, List<DynamicToolSpec> dynamicTools) {
        return options.startParams(dynamicTools);
    }

    @Override
    public JsonNode resumeParams(ThreadOptions options, String threadId, boolean excludeTurns) {
        return options.resumeParams(threadId, excludeTurns);
    }

    @Override
    public ThreadOpenException threadOpenFailed(String message, ErrorCategory category, Throwable cause) {
        return new ThreadOpenException(message, category, cause);
    }

    @Override
    public ThreadOpenException threadOpenFailed(String what, Throwable cause) {
        return ThreadOpenException.of(what, cause);
    }

    @Override
    public String openFailureReason(Throwable why) {
        return ThreadOpenException.reasonOf(why);
    }
}
