package dev.codexbridge.telemetry.internal;

/**
 * A connected client's telemetry: its attached threads and reconnects observed until it is
 * closed, and a span for each reconnect. Not API.
 */
public interface ClientTelemetry extends AutoCloseable {

    /** The client lost connection {@code lostConnection} and will reopen it: the reconnect's span starts. */
    ReconnectTelemetry reconnecting(int lostConnection, Throwable cause);

    /** Stops observing the client. */
    @Override
    void close();
}
