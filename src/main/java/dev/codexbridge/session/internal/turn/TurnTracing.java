package dev.codexbridge.session.internal.turn;

import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.observe.TurnTelemetry;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.protocol.InitializeResponse;
import dev.codexbridge.session.TokenUsage;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.internal.inbox.TurnStart;
import dev.codexbridge.session.internal.thread.ThreadConnection;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * A session's telemetry: which hooks apply (the session's own, else its client's), a turn's
 * start, the listener that tells the hooks what the turn hears, and its end. Null hooks mean
 * telemetry is off; then nothing of it runs.
 */
public record TurnTracing(TelemetryHooks hooks) {
    private static final Logger LOG = SafeLogger.getLogger(TurnTracing.class);

    /** The session's telemetry if set, else the shared client's or the own connection's. */
    public static TurnTracing of(TelemetryHooks session, CodexClient shared, ClientOptions own) {
        return new TurnTracing(session != null ? session : shared != null ? ClientPlumbing.of(shared).telemetry() : own.telemetry());
    }

    /** The turn's span starts here, under the caller's current span; its input is read only if content is captured. */
    TurnTelemetry start(TurnStart start, TurnOptions options, ThreadConnection connection) {
        if (hooks == null) {
            return TurnTelemetry.NONE;
        }
        String model = options.model() != null ? options.model() : connection.settings().model();
        return hooks.startTurn(new TelemetryHooks.TurnStartInfo(connection.threadId(), model, start.method(),
                start instanceof TurnStart.UserTurn user ? () -> user.input().toJsonText() : null, () -> codexVersion(connection)));
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
                TelemetryHooks.ATTACH, null, () -> codexVersion(connection)));
    }

    /** The version the thread's codex gave in its {@code initialize} answer, null when it gave none. */
    private static String codexVersion(ThreadConnection connection) {
        CodexClient client = connection.client();
        InitializeResponse info = client == null ? null : client.serverInfo();
        return info == null ? null : CodexVersion.fromUserAgent(info.userAgent()).map(CodexVersion::toString).orElse(null);
    }

    /** The listener a turn reports to: the host's, and the turn's telemetry after it when telemetry is on. */
    public static TurnListener listener(TurnTelemetry turn, TurnListener host) {
        TurnListener h = host == null ? TurnListener.NONE : host;
        return turn == TurnTelemetry.NONE ? h : new TelemetryListener(h, turn);
    }

    /** Tells the turn's telemetry how it ended. Never throws: the session frees itself for the next turn right after. */
    public static void ended(TurnTelemetry turn, TurnResult result, Throwable failure) {
        try {
            if (failure != null) {
                turn.failed(failure);
            } else if (result != null) {
                turn.ended(end(result));
            }
        } catch (RuntimeException e) {
            LOG.warn("the telemetry hooks failed at the end of a turn", e);
        }
    }

    public static TurnTelemetry.TurnEnd end(TurnResult r) {
        TokenUsage.Counts last = r.tokenUsage() == null ? null : r.tokenUsage().last();
        return new TurnTelemetry.TurnEnd(r.threadId(), r.turnId(), r.status().wire(), r.status() == TurnOutcome.COMPLETED,
                r.stopReason() == null ? null : r.stopReason().name().toLowerCase(Locale.ROOT), r.attempts(), r.stepCount(),
                r.error() != null && r.error().category() != null ? r.error().category().wire() : null,
                last == null ? null : new TurnTelemetry.Tokens(last.inputTokens(), last.outputTokens()), r.finalText());
    }
}
