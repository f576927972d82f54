package dev.codexbridge.session.internal.inbox;

import dev.codexbridge.protocol.ReviewDelivery;
import dev.codexbridge.protocol.ReviewStartParams;
import dev.codexbridge.protocol.ReviewTarget;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.internal.ApiAccess;

/** What starts a turn: {@code turn/start} with the user's input, or {@code review/start}. */
public sealed interface TurnStart {
    String method();

    /**
     * The request's params for {@code threadId}, with this turn's options; {@code clientMessageId}
     * names the input in codex's record where the request has a place for it.
     */
    Object params(String threadId, TurnOptions options, String clientMessageId);

    /** Whether codex keeps {@code clientMessageId} with the turn, so the turn can be found by it. */
    boolean keyed();

    record UserTurn(TurnInput input) implements TurnStart {
        @Override
        public String method() {
            return "turn/start";
        }

        @Override
        public Object params(String threadId, TurnOptions options, String clientMessageId) {
            return ApiAccess.get().turnStartParams(options, threadId, input.toUserInputs(), clientMessageId);
        }

        @Override
        public boolean keyed() {
            return true;
        }
    }

    /** A code review delivered inline: its items and final text come back like any turn's. */
    record Review(ReviewTarget target) implements TurnStart {
        @Override
        public String method() {
            return "review/start";
        }

        @Override
        public Object params(String threadId, TurnOptions options, String clientMessageId) {
            return new ReviewStartParams(ReviewDelivery.INLINE, target, threadId);
        }

        @Override
        public boolean keyed() {
            return false;
        }
    }
}
