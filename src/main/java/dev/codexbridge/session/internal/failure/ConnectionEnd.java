package dev.codexbridge.session.internal.failure;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnFailure;

/**
 * What a turn says when its connection ended: the host closed the session or the shared client
 * ({@link ErrorCategory#CLOSED_BY_HOST}), a shared client's connection is gone with nothing to
 * reconnect it ({@link ErrorCategory#CONNECTION_CLOSED}, with the reason the client gave), or
 * codex died ({@link ErrorCategory#PROCESS_DIED}, unless its last words say the login failed).
 */
public final class ConnectionEnd {
    private ConnectionEnd() {
    }

    /**
     * A turn's connection {@code on} ended during the turn; {@code died} is codex's exit,
     * explained. {@code shared} says whether {@code on} is a client shared with other sessions.
     */
    public static TurnFailure duringTurn(boolean sessionClosed, boolean shared, CodexClient on, CodexException died) {
        if (sessionClosed) {
            return TurnFailure.of("the session was closed during the turn", ErrorCategory.CLOSED_BY_HOST, null);
        }
        if (shared && ClientPlumbing.of(on).closedByHost()) {
            return failure(on, "the turn ended with it");
        }
        String message = died.getMessage();
        // A login problem can kill codex; anything else seen in its last words is a symptom, not the cause.
        TurnFailure err = ErrorClassifier.classify(message, null, on.stderrTail(40));
        return err.category() == ErrorCategory.AUTHENTICATION ? err : TurnFailure.of(message, ErrorCategory.PROCESS_DIED, null);
    }

    /** The failure of a turn on {@code client}, which is done; {@code consequence} says what that meant for the turn. */
    public static TurnFailure failure(CodexClient client, String consequence) {
        if (ClientPlumbing.of(client).closedByHost()) {
            return TurnFailure.of("the host closed the shared CodexClient; " + consequence, ErrorCategory.CLOSED_BY_HOST, null);
        }
        // the library's own future: the host's copy completes a moment later, on the host pool
        ConnectionClosedException why = ClientPlumbing.of(client).closedFuture().getNow(null);
        String reason = why == null ? "" : " (" + UntrustedText.of(firstLine(why.getMessage())) + ")";
        return TurnFailure.of("the shared codex connection is gone for good" + reason + "; " + consequence, ErrorCategory.CONNECTION_CLOSED, null);
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }
}
