package dev.codexbridge.session;

import dev.codexbridge.protocol.ReviewDelivery;
import dev.codexbridge.protocol.ReviewStartParams;
import dev.codexbridge.protocol.ReviewTarget;

/** What starts a turn: {@code turn/start} with the user's input, or {@code review/start}. */
sealed interface TurnStart {
    String method();

    /** The request's params for {@code threadId}, with this turn's options. */
    Object params(String threadId, TurnOptions options);

    record UserTurn(TurnInput input) implements TurnStart {
        @Override
        public String method() {
            return "turn/start";
        }

        @Override
        public Object params(String threadId, TurnOptions options) {
            return options.turnStartParams(threadId, input.toUserInputs());
        }
    }

    /** A code review delivered inline: its items and final text come back like any turn's. */
    record Review(ReviewTarget target) implements TurnStart {
        @Override
        public String method() {
            return "review/start";
        }

        @Override
        public Object params(String threadId, TurnOptions options) {
            return new ReviewStartParams(ReviewDelivery.INLINE, target, threadId);
        }
    }
}
