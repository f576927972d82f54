package dev.codexbridge.cli;

import java.util.List;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NormalizedParameters;
import org.slf4j.simple.SimpleLogger;
import org.slf4j.simple.SimpleLoggerFactory;
import org.slf4j.simple.SimpleServiceProvider;

/**
 * slf4j-simple writing JSON lines: its loggers, made and levelled exactly as slf4j-simple makes
 * them (the same {@code org.slf4j.simpleLogger.*} settings), each line handed to
 * {@link JsonLogLines} instead of slf4j-simple's text. SLF4J uses it when the system property
 * {@code slf4j.provider} names it, which {@link CliLogging} sets for {@code --log-format json}
 * (decision 0101). Public with a public constructor for SLF4J, which makes it by reflection.
 */
public final class JsonLogProvider extends SimpleServiceProvider {
    private ILoggerFactory factory;

    public JsonLogProvider() {
    }

    @Override
    public void initialize() {
        factory = new Factory();
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    private static final class Factory extends SimpleLoggerFactory {
        @Override
        protected Logger createLogger(String name) {
            return new JsonLogger(name);
        }
    }

    /** A slf4j-simple logger (its level as slf4j-simple computes it) whose lines are JSON. */
    static final class JsonLogger extends SimpleLogger {
        private static final long serialVersionUID = 1L;

        JsonLogger(String name) {
            super(name);
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern, Object[] arguments,
                Throwable throwable) {
            write(level, marker == null ? null : List.of(marker), messagePattern, arguments, throwable);
        }

        /** The fluent API's events (slf4j-simple takes them past the method above). */
        @Override
        public void log(LoggingEvent event) {
            if (!isLevelEnabled(event.getLevel().toInt())) {
                return;
            }
            NormalizedParameters p = NormalizedParameters.normalize(event);
            write(event.getLevel(), event.getMarkers(), p.getMessage(), p.getArguments(), event.getThrowable());
        }

        private void write(Level level, List<Marker> markers, String pattern, Object[] arguments, Throwable throwable) {
            String message = MessageFormatter.basicArrayFormat(pattern, arguments);
            JsonLogLines.write(level.toString(), getName(), markers, message == null ? "null" : message, throwable);
        }
    }
}
