package dev.codexbridge.session;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.rpc.ConnectionClosedException;

/**
 * What a session says when the client it shares is done: the host closed it
 * ({@link ErrorCategory#CLOSED_BY_HOST}), or its connection ended with nothing to reconnect it
 * ({@link ErrorCategory#CONNECTION_CLOSED}, with the reason the client gave).
 */
final class SharedClientEnd {
    private SharedClientEnd() {
    }

    /** The failure of a turn on {@code client}, which is done; {@code consequence} says what that meant for the turn. */
    static TurnFailure failure(CodexClient client, String consequence) {
        if (ClientPlumbing.of(client).closedByHost()) {
            return TurnFailure.of("the host closed the shared CodexClient; " + consequence, ErrorCategory.CLOSED_BY_HOST, null);
        }
        ConnectionClosedException why = client.closedFuture().getNow(null);
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
