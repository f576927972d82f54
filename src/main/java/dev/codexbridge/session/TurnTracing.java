package dev.codexbridge.session;

import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.telemetry.CodexTelemetry;
import dev.codexbridge.telemetry.internal.TelemetryHooks;
import dev.codexbridge.telemetry.internal.TurnTelemetry;

/**
 * A session's telemetry: which one applies (the session's own, else its client's) and a turn's
 * start. Null hooks mean telemetry is off; then no OpenTelemetry class is touched.
 */
record TurnTracing(TelemetryHooks hooks) {

    /** The session's telemetry if set, else the shared client's or the own connection's. */
    static TurnTracing of(CodexTelemetry session, CodexClient shared, ClientOptions own) {
        CodexTelemetry t = session != null ? session : shared != null ? ClientPlumbing.of(shared).telemetry() : own.telemetry();
        return new TurnTracing(t == null ? null : TelemetryHooks.of(t));
    }

    /** The turn's span starts here, under the caller's current span; its input is read only if content is captured. */
    TurnTelemetry start(TurnStart start, TurnOptions options, ThreadConnection connection) {
        if (hooks == null) {
            return TurnTelemetry.NONE;
        }
        String model = options.model() != null ? options.model() : connection.settings().model();
        return hooks.startTurn(new TelemetryHooks.TurnStartInfo(connection.threadId(), model, start.method(),
                start instanceof TurnStart.UserTurn user ? () -> user.input().toJson() : null));
    }

    /**
     * A turn this session follows ({@code attachTurn}) but did not start: its span starts now, where
     * this process joined, not where codex began the turn, and says so
     * ({@link TelemetryHooks#ATTACH}).
     */
    TurnTelemetry follow(ThreadConnection connection) {
        if (hooks == null) {
            return TurnTelemetry.NONE;
        }
        return hooks.startTurn(new TelemetryHooks.TurnStartInfo(connection.threadId(), connection.settings().model(),
                TelemetryHooks.ATTACH, null));
    }
}
