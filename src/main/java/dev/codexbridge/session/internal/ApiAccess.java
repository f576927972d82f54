package dev.codexbridge.session.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.protocol.DynamicToolSpec;
import dev.codexbridge.protocol.ThreadTokenUsage;
import dev.codexbridge.protocol.UserInput;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.RateLimitSignal;
import dev.codexbridge.session.ThreadOpenException;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.ThreadReplacement;
import dev.codexbridge.session.TokenUsage;
import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnHandle;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The package-private members of the session's API types that the machinery under
 * {@code session.internal} calls, reached without making them public: the API package grants its
 * one implementation ({@code dev.codexbridge.session.MachineryAccess}) when that class is first
 * initialized, which {@link #get()} brings about. A host has no use for it, and it is no API
 * (decision 0106).
 */
public abstract class ApiAccess {
    private static final String GRANT = "dev.codexbridge.session.MachineryAccess";
    private static volatile @Nullable ApiAccess granted;

    protected ApiAccess() {
        if (!getClass().getName().equals(GRANT)) {
            throw new IllegalStateException("only the session package grants access to its members");
        }
    }

    /** The API package's grant, initializing it on first use. */
    public static ApiAccess get() {
        ApiAccess access = granted;
        if (access == null) {
            try {
                Class.forName(GRANT, true, ApiAccess.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(GRANT + " is missing from the library", e);
            }
            access = granted;
            if (access == null) {
                throw new IllegalStateException(GRANT + " did not grant access");
            }
        }
        return access;
    }

    /** Called once, by the grant's static initializer. */
    public static void grant(ApiAccess access) {
        if (granted == null) {
            granted = access;
        }
    }

    /** {@code failure} with {@code advice} in place of its remediation. */
    public abstract TurnFailure withRemediation(TurnFailure failure, String advice);

    /** {@code completed}, whose store failed: completed still, saying its store failed. */
    public abstract TurnResult withStoreFailed(TurnResult completed);

    /** {@code completed} failed with {@code why}: its session can never store it. */
    public abstract TurnResult notKept(TurnResult completed, TurnFailure why);

    /** {@code completed} on a thread that replaced the one the turn began on. */
    public abstract TurnResult withThreadReplaced(TurnResult completed, ThreadReplacement replacement);

    /** {@code completed} failed with {@code why}. */
    public abstract TurnResult withError(TurnResult completed, TurnFailure why);

    /** {@code failure} saying {@code text} instead. */
    public abstract TurnFailure withMessage(TurnFailure failure, String text);

    /** The failure of a call refused because another holder has the conversation until {@code until}. */
    public abstract TurnFailure heldElsewhere(String message, Instant until);

    /** The usage-limit failure {@code error} as a rate-limit signal seen by {@code source}. */
    public abstract RateLimitSignal rateLimitOf(TurnFailure error, RateLimitSignal.Source source);

    /** Codex's token counts as the host sees them. */
    public abstract TokenUsage tokenUsage(ThreadTokenUsage usage);

    /** Throws when {@code limits} bound the turn by no timeout. */
    public abstract void requireSomeTimeout(TurnLimits limits);

    /** The handle of a turn under {@code key}; {@code interrupt} asks its session to stop it. */
    public abstract TurnHandle turnHandle(String key, @Nullable String threadId, Runnable interrupt, CompletableFuture<TurnResult> result);

    /** Codex named the turn of {@code handle}. */
    public abstract void identified(TurnHandle handle, String threadId, String turnId);

    /** The params of {@code turn/start} for {@code options}. */
    public abstract JsonNode turnStartParams(TurnOptions options, String threadId, List<UserInput> input, String clientMessageId);

    /** The params of {@code thread/start} for {@code options}. */
    public abstract JsonNode startParams(ThreadOptions options, List<DynamicToolSpec> dynamicTools);

    /** The params of {@code thread/resume} for {@code options}. */
    public abstract JsonNode resumeParams(ThreadOptions options, String threadId, boolean excludeTurns);

    /** A failed open of a thread. */
    public abstract ThreadOpenException threadOpenFailed(String message, ErrorCategory category, Throwable cause);

    /** The failed open {@code what}, sorted from {@code cause}. */
    public abstract ThreadOpenException threadOpenFailed(String what, Throwable cause);

    /** What {@code why} says, as an open's failure tells it. */
    public abstract String openFailureReason(Throwable why);
}
