package dev.codexbridge.session;

import dev.codexbridge.session.internal.ApiAccess;

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
}
