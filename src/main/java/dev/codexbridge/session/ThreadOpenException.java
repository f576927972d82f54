package dev.codexbridge.session;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.client.ThreadOpenCapacityException;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.RpcTimeoutException;
import dev.codexbridge.session.internal.failure.ErrorClassifier;
import dev.codexbridge.session.internal.failure.OtherThreadResumedException;
import dev.codexbridge.session.internal.failure.ResumeFailures;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.CorruptConversationException;
import dev.codexbridge.store.LeaseWait;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Codex was reached but the session's thread could not be opened on it: {@code thread/start} or
 * {@code thread/resume} failed, timed out, or the connection ended before codex answered. The
 * message says which and why; {@link #kind()} what a host does ({@link FailureKind#UNKNOWN_THREAD}
 * when codex has no record of the thread, {@link FailureKind#SETTINGS_REJECTED},
 * {@link FailureKind#CODEX_UNAVAILABLE}), and {@link #category()} what a turn that needed the thread
 * fails with.
 *
 * <p>With a conversation store, a thread another host holds (its lease in the store) is not
 * opened here: {@link FailureKind#ALREADY_OPEN}, and {@link #heldUntil()} says until when that
 * host holds it unless it renews its lease. A turn whose wake is refused so carries the same in
 * {@link TurnFailure#heldUntil()}.
 */
public final class ThreadOpenException extends CodexException {
    private static final long serialVersionUID = 1L;

    private final transient ErrorCategory category;

    ThreadOpenException(String message, ErrorCategory category, Throwable cause) {
        super(message, cause, kindOf(category, cause));
        this.category = category;
    }

    private static FailureKind kindOf(ErrorCategory category, Throwable cause) {
        if (ResumeFailures.notStored(cause)) {
            return FailureKind.UNKNOWN_THREAD;
        }
        if (LeaseWait.refusal(cause) != null) {
            return FailureKind.ALREADY_OPEN;       // held by another host: heldUntil()
        }
        if (cause instanceof CodexException e && e.kind() != FailureKind.OTHER) {
            return e.kind();
        }
        return switch (category) {
            case SETTINGS_REJECTED -> FailureKind.SETTINGS_REJECTED;
            case PROCESS_DIED, TIMEOUT, CONNECTION_CLOSED, CLOSED_BY_HOST, AUTHENTICATION -> FailureKind.CODEX_UNAVAILABLE;
            default -> FailureKind.OTHER;
        };
    }

    /** Codex's own words, without the request name and code the RPC exception wraps them in. */
    static String reasonOf(Throwable why) {
        return why instanceof RpcException e && e.error() != null ? UntrustedText.of(e.error().message()) : UntrustedText.messageOf(why);
    }

    /** What a turn that needed the thread fails with: {@code what} happened, and codex's reason. */
    static ThreadOpenException of(String what, Throwable cause) {
        if (cause instanceof ThreadOpenException already) {
            return already;
        }
        String message = what + ": " + (cause instanceof RpcException e && e.error() != null
                ? UntrustedText.of(e.error().message()) + " (code " + e.code() + ")" : UntrustedText.messageOf(cause));
        if (cause instanceof RpcException e && e.error() != null && ErrorClassifier.refusal(e) == ErrorCategory.SETTINGS_REJECTED) {
            // the cause first: codex's own words about the value it could not read
            return new ThreadOpenException("codex refused the thread's settings: " + UntrustedText.of(e.error().message())
                    + " (" + e.method() + ", code " + e.code() + ")", ErrorCategory.SETTINGS_REJECTED, cause);
        }
        if (cause instanceof ThreadOpenCapacityException
                || cause instanceof RpcException e && e.error() != null && ErrorClassifier.refusal(e) == ErrorCategory.CAPACITY) {
            return new ThreadOpenException(message, ErrorCategory.CAPACITY, cause);
        }
        if (refusedHere(cause)) {
            return new ThreadOpenException(message, ErrorCategory.OTHER, cause);
        }
        ErrorCategory category = ErrorClassifier.classify(message, null, List.of()).category();
        if (category == ErrorCategory.OTHER) {
            category = cause instanceof RpcTimeoutException ? ErrorCategory.TIMEOUT
                    : cause instanceof RpcException ? ErrorCategory.PROTOCOL
                    : ErrorCategory.PROCESS_DIED;       // the connection ended before codex answered
        }
        return new ThreadOpenException(message, category, cause);
    }

    /**
     * A wake the library or the store refused, whatever connection it is on: the stored owner is
     * not the session's, the stored lineage is not the thread's own, codex resumed another thread,
     * another host holds the conversation ({@link #heldUntil()}). Not a connection's end: a turn is
     * not placed anew for it.
     */
    private static boolean refusedHere(Throwable cause) {
        return cause instanceof ThreadAccessDeniedException || cause instanceof CorruptConversationException
                || cause instanceof OtherThreadResumedException || LeaseWait.refusal(cause) != null;
    }

    /** What a turn that needed the thread fails with. */
    public ErrorCategory category() {
        return category;
    }

    /**
     * When the thread was not opened because another host holds its conversation in the store:
     * when that host's lease expires unless it renews it ({@link ConversationLeasedException#expiresAt()}),
     * the earliest a try may succeed. Null for any other failure.
     */
    public @Nullable Instant heldUntil() {
        ConversationLeasedException held = LeaseWait.refusal(getCause());
        return held == null ? null : held.expiresAt();
    }
}
