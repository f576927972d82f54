package dev.codexbridge.cli;

import io.opentelemetry.api.OpenTelemetry;
import java.io.PrintStream;
import java.util.Locale;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * The OpenTelemetry SDK logs through {@code java.util.logging}, two lines of header and a stack
 * trace per record (a collector that is down gives "Failed to export spans" and 40 lines); on the
 * command line each record is one escaped line on stderr instead, the exception's own message
 * kept: {@code codex-bridge: OpenTelemetry error: Failed to export 2 spans. … (java.net.ConnectException: Connection refused)}.
 */
final class SdkLogLines extends Handler {
    private static final Formatter MESSAGE = new SimpleFormatter();
    /** Held, so the configuration is not collected with its logger (java.util.logging keeps weak references). */
    private static volatile Logger configured;

    private final PrintStream err;

    private SdkLogLines(PrintStream err) {
        this.err = err;
        setLevel(Level.INFO);
    }

    /** Routes the SDK's records (every logger below OpenTelemetry's root package) here; once per process. */
    static synchronized void install(PrintStream err) {
        if (configured != null) {
            return;
        }
        // "io.opentelemetry", or its relocated name in the runnable jar
        String api = OpenTelemetry.class.getPackageName();
        Logger root = Logger.getLogger(api.substring(0, api.lastIndexOf('.')));
        root.setUseParentHandlers(false);
        root.addHandler(new SdkLogLines(err));
        configured = root;
    }

    @Override
    public void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        String level = record.getLevel() == Level.SEVERE ? "error"
                : record.getLevel() == Level.WARNING ? "warning" : record.getLevel().getName().toLowerCase(Locale.ROOT);
        Throwable thrown = record.getThrown();
        String line = "codex-bridge: OpenTelemetry " + level + ": " + MESSAGE.formatMessage(record)
                + (thrown == null ? "" : " (" + thrown + ")");
        err.println(ApiText.escape(line));
    }

    @Override
    public void flush() {
        err.flush();
    }

    @Override
    public void close() {
        flush();
    }
}
