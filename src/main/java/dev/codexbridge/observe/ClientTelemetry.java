package dev.codexbridge.observe;

/**
 * A connected client's telemetry: its attached threads and reconnects observed until it is
 * closed, and a span for each reconnect. {@link #NONE} observes nothing.
 */
public interface ClientTelemetry extends AutoCloseable {
    ClientTelemetry NONE = new ClientTelemetry() {
        @Override
        public ReconnectTelemetry reconnecting(int lostConnection, Throwable cause) {
            return ReconnectTelemetry.NONE;
        }

        @Override
        public void close() {
        }
    };

    /** The client lost connection {@code lostConnection} and will reopen it: the reconnect's span starts. */
    ReconnectTelemetry reconnecting(int lostConnection, Throwable cause);

    /** Stops observing the client. */
    @Override
    void close();
}
