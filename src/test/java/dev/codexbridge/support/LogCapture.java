package dev.codexbridge.support;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.Map;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the library logs while it is open, at every level, as the tests' SLF4J binding
 * (slf4j-simple, which writes each line and stack trace to {@code System.err}) writes it. The
 * binding has no API to change levels, so the loggers' levels are raised to TRACE by reflection
 * and put back on close; a new slf4j-simple that renames its fields fails here loudly.
 */
public final class LogCapture implements AutoCloseable {
    private static final int TRACE = 0;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream previousErr;
    private final Map<Logger, Integer> previousLevels = new IdentityHashMap<>();
    private final Object config;
    private final int previousDefault;

    private LogCapture() {
        try {
            ILoggerFactory factory = LoggerFactory.getILoggerFactory();
            Class<?> simpleLogger = Class.forName("org.slf4j.simple.SimpleLogger");
            if (!factory.getClass().getName().equals("org.slf4j.simple.SimpleLoggerFactory")) {
                throw new IllegalStateException("the tests log through slf4j-simple, not " + factory.getClass().getName());
            }
            Field configField = simpleLogger.getDeclaredField("CONFIG_PARAMS");
            configField.setAccessible(true);
            config = configField.get(null);
            Field defaultLevel = config.getClass().getDeclaredField("defaultLogLevel");
            defaultLevel.setAccessible(true);
            previousDefault = defaultLevel.getInt(config);
            defaultLevel.setInt(config, TRACE);     // loggers made from now on
            for (Logger logger : loggers()) {
                previousLevels.put(logger, level(logger));
                setLevel(logger, TRACE);
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot raise slf4j-simple's levels", e);
        }
        previousErr = System.err;
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    }

    /** Starts capturing every level of every logger. */
    public static LogCapture start() {
        return new LogCapture();
    }

    /** What was logged so far. */
    public String text() {
        synchronized (bytes) {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        System.setErr(previousErr);
        try {
            Field defaultLevel = config.getClass().getDeclaredField("defaultLogLevel");
            defaultLevel.setAccessible(true);
            defaultLevel.setInt(config, previousDefault);
            for (Logger logger : loggers()) {
                setLevel(logger, previousLevels.getOrDefault(logger, previousDefault));
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot restore slf4j-simple's levels", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Iterable<Logger> loggers() throws ReflectiveOperationException {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        Field map = factory.getClass().getDeclaredField("loggerMap");
        map.setAccessible(true);
        return ((Map<String, Logger>) map.get(factory)).values();
    }

    private static Field levelField(Logger logger) throws NoSuchFieldException {
        Field f = findLevelField(logger.getClass());
        f.setAccessible(true);
        return f;
    }

    private static Field findLevelField(Class<?> type) throws NoSuchFieldException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                return c.getDeclaredField("currentLogLevel");
            } catch (NoSuchFieldException ignored) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException("currentLogLevel");
    }

    private static int level(Logger logger) throws ReflectiveOperationException {
        return levelField(logger).getInt(logger);
    }

    private static void setLevel(Logger logger, int level) throws ReflectiveOperationException {
        levelField(logger).setInt(logger, level);
    }
}
