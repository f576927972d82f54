package dev.codexbridge.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LocationAwareLogger;

/**
 * The library's one way to an SLF4J logger: every line it writes is formatted here and passed
 * through {@link UntrustedText#of}, and a logged throwable whose messages (causes and suppressed
 * included) hold a control character or a secret is shown with those messages made safe the same
 * way and its stack trace kept. So codex's words — method names, ids, error messages, stderr,
 * close reasons — reach the host's log redacted and on one line, whichever call site logs them.
 *
 * <p>With a binding whose loggers know their caller's location (logback, log4j, JUL) the line is
 * passed on with this class as the logging boundary, so the caller's class, method and line stay
 * right. Patterns are the library's own; an argument is never read as a pattern.
 */
public final class SafeLogger implements Logger {
    private static final String BOUNDARY = SafeLogger.class.getName();

    private final Logger delegate;
    private final LocationAwareLogger located;

    SafeLogger(Logger delegate) {
        this.delegate = delegate;
        this.located = delegate instanceof LocationAwareLogger l ? l : null;
    }

    /** The logger named after {@code type}, as {@link LoggerFactory#getLogger(Class)} would give. */
    public static Logger getLogger(Class<?> type) {
        return new SafeLogger(LoggerFactory.getLogger(type));
    }

    /** The logger called {@code name}. */
    public static Logger getLogger(String name) {
        return new SafeLogger(LoggerFactory.getLogger(name));
    }

    @Override
    public String getName() {
        return delegate.getName();
    }

    private boolean enabled(Level level, Marker marker) {
        return switch (level) {
            case TRACE -> marker == null ? delegate.isTraceEnabled() : delegate.isTraceEnabled(marker);
            case DEBUG -> marker == null ? delegate.isDebugEnabled() : delegate.isDebugEnabled(marker);
            case INFO -> marker == null ? delegate.isInfoEnabled() : delegate.isInfoEnabled(marker);
            case WARN -> marker == null ? delegate.isWarnEnabled() : delegate.isWarnEnabled(marker);
            case ERROR -> marker == null ? delegate.isErrorEnabled() : delegate.isErrorEnabled(marker);
        };
    }

    /** Formats as SLF4J does (a last argument that is a throwable is the throwable), then makes it safe. */
    private void log(Level level, Marker marker, String format, Object[] arguments) {
        if (!enabled(level, marker)) {
            return;
        }
        FormattingTuple formatted = MessageFormatter.arrayFormat(format, arguments);
        emit(level, marker, UntrustedText.of(formatted.getMessage()), UntrustedText.shown(formatted.getThrowable()));
    }

    private void logThrown(Level level, Marker marker, String msg, Throwable t) {
        if (!enabled(level, marker)) {
            return;
        }
        emit(level, marker, UntrustedText.of(msg), UntrustedText.shown(t));
    }

    /** Hands on a finished line: no arguments, so nothing in it is read as a pattern again. */
    private void emit(Level level, Marker marker, String message, Throwable t) {
        if (located != null) {
            located.log(marker, BOUNDARY, level.toInt(), message, null, t);
            return;
        }
        switch (level) {
            case TRACE -> {
                if (marker == null) {
                    delegate.trace(message, t);
                } else {
                    delegate.trace(marker, message, t);
                }
            }
            case DEBUG -> {
                if (marker == null) {
                    delegate.debug(message, t);
                } else {
                    delegate.debug(marker, message, t);
                }
            }
            case INFO -> {
                if (marker == null) {
                    delegate.info(message, t);
                } else {
                    delegate.info(marker, message, t);
                }
            }
            case WARN -> {
                if (marker == null) {
                    delegate.warn(message, t);
                } else {
                    delegate.warn(marker, message, t);
                }
            }
            case ERROR -> {
                if (marker == null) {
                    delegate.error(message, t);
                } else {
                    delegate.error(marker, message, t);
                }
            }
        }
    }

    @Override
    public boolean isTraceEnabled() {
        return delegate.isTraceEnabled();
    }

    @Override
    public boolean isTraceEnabled(Marker marker) {
        return delegate.isTraceEnabled(marker);
    }

    @Override
    public void trace(String msg) {
        log(Level.TRACE, null, msg, null);
    }

    @Override
    public void trace(String format, Object arg) {
        log(Level.TRACE, null, format, new Object[] {arg});
    }

    @Override
    public void trace(String format, Object arg1, Object arg2) {
        log(Level.TRACE, null, format, new Object[] {arg1, arg2});
    }

    @Override
    public void trace(String format, Object... arguments) {
        log(Level.TRACE, null, format, arguments);
    }

    @Override
    public void trace(String msg, Throwable t) {
        logThrown(Level.TRACE, null, msg, t);
    }

    @Override
    public void trace(Marker marker, String msg) {
        log(Level.TRACE, marker, msg, null);
    }

    @Override
    public void trace(Marker marker, String format, Object arg) {
        log(Level.TRACE, marker, format, new Object[] {arg});
    }

    @Override
    public void trace(Marker marker, String format, Object arg1, Object arg2) {
        log(Level.TRACE, marker, format, new Object[] {arg1, arg2});
    }

    @Override
    public void trace(Marker marker, String format, Object... arguments) {
        log(Level.TRACE, marker, format, arguments);
    }

    @Override
    public void trace(Marker marker, String msg, Throwable t) {
        logThrown(Level.TRACE, marker, msg, t);
    }
    @Override
    public boolean isDebugEnabled() {
        return delegate.isDebugEnabled();
    }

    @Override
    public boolean isDebugEnabled(Marker marker) {
        return delegate.isDebugEnabled(marker);
    }

    @Override
    public void debug(String msg) {
        log(Level.DEBUG, null, msg, null);
    }

    @Override
    public void debug(String format, Object arg) {
        log(Level.DEBUG, null, format, new Object[] {arg});
    }

    @Override
    public void debug(String format, Object arg1, Object arg2) {
        log(Level.DEBUG, null, format, new Object[] {arg1, arg2});
    }

    @Override
    public void debug(String format, Object... arguments) {
        log(Level.DEBUG, null, format, arguments);
    }

    @Override
    public void debug(String msg, Throwable t) {
        logThrown(Level.DEBUG, null, msg, t);
    }

    @Override
    public void debug(Marker marker, String msg) {
        log(Level.DEBUG, marker, msg, null);
    }

    @Override
    public void debug(Marker marker, String format, Object arg) {
        log(Level.DEBUG, marker, format, new Object[] {arg});
    }

    @Override
    public void debug(Marker marker, String format, Object arg1, Object arg2) {
        log(Level.DEBUG, marker, format, new Object[] {arg1, arg2});
    }

    @Override
    public void debug(Marker marker, String format, Object... arguments) {
        log(Level.DEBUG, marker, format, arguments);
    }

    @Override
    public void debug(Marker marker, String msg, Throwable t) {
        logThrown(Level.DEBUG, marker, msg, t);
    }
    @Override
    public boolean isInfoEnabled() {
        return delegate.isInfoEnabled();
    }

    @Override
    public boolean isInfoEnabled(Marker marker) {
        return delegate.isInfoEnabled(marker);
    }

    @Override
    public void info(String msg) {
        log(Level.INFO, null, msg, null);
    }

    @Override
    public void info(String format, Object arg) {
        log(Level.INFO, null, format, new Object[] {arg});
    }

    @Override
    public void info(String format, Object arg1, Object arg2) {
        log(Level.INFO, null, format, new Object[] {arg1, arg2});
    }

    @Override
    public void info(String format, Object... arguments) {
        log(Level.INFO, null, format, arguments);
    }

    @Override
    public void info(String msg, Throwable t) {
        logThrown(Level.INFO, null, msg, t);
    }

    @Override
    public void info(Marker marker, String msg) {
        log(Level.INFO, marker, msg, null);
    }

    @Override
    public void info(Marker marker, String format, Object arg) {
        log(Level.INFO, marker, format, new Object[] {arg});
    }

    @Override
    public void info(Marker marker, String format, Object arg1, Object arg2) {
        log(Level.INFO, marker, format, new Object[] {arg1, arg2});
    }

    @Override
    public void info(Marker marker, String format, Object... arguments) {
        log(Level.INFO, marker, format, arguments);
    }

    @Override
    public void info(Marker marker, String msg, Throwable t) {
        logThrown(Level.INFO, marker, msg, t);
    }
    @Override
    public boolean isWarnEnabled() {
        return delegate.isWarnEnabled();
    }

    @Override
    public boolean isWarnEnabled(Marker marker) {
        return delegate.isWarnEnabled(marker);
    }

    @Override
    public void warn(String msg) {
        log(Level.WARN, null, msg, null);
    }

    @Override
    public void warn(String format, Object arg) {
        log(Level.WARN, null, format, new Object[] {arg});
    }

    @Override
    public void warn(String format, Object arg1, Object arg2) {
        log(Level.WARN, null, format, new Object[] {arg1, arg2});
    }

    @Override
    public void warn(String format, Object... arguments) {
        log(Level.WARN, null, format, arguments);
    }

    @Override
    public void warn(String msg, Throwable t) {
        logThrown(Level.WARN, null, msg, t);
    }

    @Override
    public void warn(Marker marker, String msg) {
        log(Level.WARN, marker, msg, null);
    }

    @Override
    public void warn(Marker marker, String format, Object arg) {
        log(Level.WARN, marker, format, new Object[] {arg});
    }

    @Override
    public void warn(Marker marker, String format, Object arg1, Object arg2) {
        log(Level.WARN, marker, format, new Object[] {arg1, arg2});
    }

    @Override
    public void warn(Marker marker, String format, Object... arguments) {
        log(Level.WARN, marker, format, arguments);
    }

    @Override
    public void warn(Marker marker, String msg, Throwable t) {
        logThrown(Level.WARN, marker, msg, t);
    }
    @Override
    public boolean isErrorEnabled() {
        return delegate.isErrorEnabled();
    }

    @Override
    public boolean isErrorEnabled(Marker marker) {
        return delegate.isErrorEnabled(marker);
    }

    @Override
    public void error(String msg) {
        log(Level.ERROR, null, msg, null);
    }

    @Override
    public void error(String format, Object arg) {
        log(Level.ERROR, null, format, new Object[] {arg});
    }

    @Override
    public void error(String format, Object arg1, Object arg2) {
        log(Level.ERROR, null, format, new Object[] {arg1, arg2});
    }

    @Override
    public void error(String format, Object... arguments) {
        log(Level.ERROR, null, format, arguments);
    }

    @Override
    public void error(String msg, Throwable t) {
        logThrown(Level.ERROR, null, msg, t);
    }

    @Override
    public void error(Marker marker, String msg) {
        log(Level.ERROR, marker, msg, null);
    }

    @Override
    public void error(Marker marker, String format, Object arg) {
        log(Level.ERROR, marker, format, new Object[] {arg});
    }

    @Override
    public void error(Marker marker, String format, Object arg1, Object arg2) {
        log(Level.ERROR, marker, format, new Object[] {arg1, arg2});
    }

    @Override
    public void error(Marker marker, String format, Object... arguments) {
        log(Level.ERROR, marker, format, arguments);
    }

    @Override
    public void error(Marker marker, String msg, Throwable t) {
        logThrown(Level.ERROR, marker, msg, t);
    }
}
