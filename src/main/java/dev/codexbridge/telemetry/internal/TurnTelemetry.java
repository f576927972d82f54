package dev.codexbridge.telemetry.internal;

import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnResult;
import java.util.function.Supplier;

/**
 * One turn's telemetry, as the session sees it: the host's listener wrapped so items, approvals
 * and waits become spans and events, a scope in which the turn's span is current (requests sent
 * inside carry it to codex), and the end. {@link #NONE} when telemetry is off. Not API.
 */
public interface TurnTelemetry {
    TurnTelemetry NONE = new TurnTelemetry() {
        @Override
        public TurnListener listener(TurnListener host) {
            return host;
        }

        @Override
        public <T> T inScope(Supplier<T> work) {
            return work.get();
        }

        @Override
        public void ended(TurnResult result, Throwable failure) {
        }
    };

    /** The listener the turn reports to: {@code host}'s calls, and the spans and events of what it hears. */
    TurnListener listener(TurnListener host);

    /** Runs {@code work} with the turn's span current on the calling thread. */
    <T> T inScope(Supplier<T> work);

    /** The turn ended with {@code result}, or with {@code failure} when it could not run. */
    void ended(TurnResult result, Throwable failure);
}
