package dev.codexbridge.session;

import java.util.function.Consumer;

/**
 * The host's rules a session applies before it sends anything: its {@link ThreadAccess} rule,
 * asked about {@code caller}, for a thread the session resumed (a thread it starts is its
 * caller's), and its check of each turn's options.
 *
 * @param access    the host's rule for threads this session did not start, or null
 * @param caller    who the rule is asked about
 * @param resumedId the thread this session resumed, or null
 * @param turnCheck the check of a turn's options, or null
 */
record SessionRules(ThreadAccess access, String caller, String resumedId, Consumer<TurnOptions> turnCheck) {

    /** Asks the host's rule about {@code operation} on a thread this session resumed; throws {@link ThreadAccessDeniedException} when refused. */
    void guard(ThreadOperation operation) {
        if (resumedId != null) {
            ThreadAccess.require(access, caller, resumedId, operation);
        }
    }

    /** Runs the host's check of a turn's options (null: the defaults); it throws to refuse the turn. */
    void checkTurn(TurnOptions options) {
        if (turnCheck != null) {
            turnCheck.accept(options == null ? TurnOptions.DEFAULTS : options);
        }
    }
}
