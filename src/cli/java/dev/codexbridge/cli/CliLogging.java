package dev.codexbridge.cli;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.slf4j.simple.SimpleLogger;
import picocli.CommandLine;

/**
 * How the command line logs (decision 0101): slf4j-simple's lines with an ISO-8601 timestamp
 * ({@code 2026-11-27T08:01:02.345Z [main] WARN logger - message}), or with {@code --log-format
 * json} or {@code CODEX_BRIDGE_LOG_FORMAT=json} one JSON object per line on stderr
 * ({@link JsonLogLines}). Set by {@link Main#main} before any logger exists: slf4j-simple reads
 * its settings, and SLF4J chooses its provider, when the first logger is made. A setting the user
 * gave as a system property wins over every default here.
 */
final class CliLogging {
    /** The option on the top-level command (inherited by every command). */
    static final String OPTION = "--log-format";
    /** The environment variable the option defaults to. */
    static final String ENVIRONMENT = "CODEX_BRIDGE_LOG_FORMAT";
    /** Milliseconds and the offset: {@code 2026-11-27T08:01:02.345Z}, {@code 2026-11-27T09:01:02.345+01:00}. */
    static final String TIMESTAMP = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";
    /** SLF4J 2's own system property naming the provider it is to use, without looking for one. */
    static final String PROVIDER_PROPERTY = "slf4j.provider";
    /** SLF4J's own notices: at INFO it announces an explicitly named provider on stderr. */
    static final String SLF4J_VERBOSITY_PROPERTY = "slf4j.internal.verbosity";

    /** The formats {@code --log-format} takes. */
    enum Format {
        TEXT, JSON
    }

    private CliLogging() {
    }

    /**
     * The format asked for: the last {@code --log-format} among {@code args} before {@code --},
     * else {@code CODEX_BRIDGE_LOG_FORMAT}, else text. A value that is neither counts as not given
     * here; picocli refuses it when it parses the same command line.
     */
    static Format requested(String[] args, Map<String, String> environment) {
        Format found = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                break;
            }
            if (arg.equals(OPTION) && i + 1 < args.length) {
                found = parse(args[++i]);
            } else if (arg.startsWith(OPTION + "=")) {
                found = parse(arg.substring(OPTION.length() + 1));
            }
        }
        if (found == null) {
            found = parse(environment.get(ENVIRONMENT));
        }
        return found != null ? found : Format.TEXT;
    }

    /** picocli's reading of the option: {@code text} or {@code json}, in any case. */
    static final class FormatConverter implements CommandLine.ITypeConverter<Format> {
        @Override
        public Format convert(String value) {
            Format format = parse(value);
            if (format == null) {
                throw new CommandLine.TypeConversionException("expected text or json but was '" + value + "'");
            }
            return format;
        }
    }

    private static @Nullable Format parse(@Nullable String value) {
        if (value == null) {
            return null;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "text" -> Format.TEXT;
            case "json" -> Format.JSON;
            default -> null;
        };
    }

    /**
     * Makes {@code format} the process's log format, before any logger is made. Text: slf4j-simple
     * with the date and time on every line. JSON: the same loggers and levels writing JSON lines
     * to the current stderr, and every other line written to {@code System.err} from now on (a
     * command's notices, a stack trace) a JSON record as well.
     */
    static void configure(Format format) {
        Properties properties = System.getProperties();
        acceptUnrelocatedSettings(properties);
        properties.putIfAbsent(SimpleLogger.SHOW_DATE_TIME_KEY, "true");
        properties.putIfAbsent(SimpleLogger.DATE_TIME_FORMAT_KEY, TIMESTAMP);
        if (format == Format.JSON) {
            properties.putIfAbsent(PROVIDER_PROPERTY, JsonLogProvider.class.getName());
            properties.putIfAbsent(SLF4J_VERBOSITY_PROPERTY, "WARN");
            JsonLogLines.Records records = JsonLogLines.recordsOf(System.err);
            System.setErr(records);
            Runtime.getRuntime().addShutdownHook(new Thread(records::endPendingLine, "codex-bridge-log-lines"));
        }
    }

    /**
     * slf4j-simple's settings as a user writes them ({@code -Dorg.slf4j.simpleLogger.showDateTime=false},
     * {@code ...log.dev.codexbridge.codex.stderr=debug}) when the runnable jar has moved slf4j-simple and
     * with it the names it reads (under {@code dev.codexbridge.shaded.slf4j.simpleLogger.}): each is
     * copied to the name read there, unless that was given as well. On the class path the two are the
     * same and nothing is copied. The plain prefix is put together at run time: the jar's build rewrites
     * every string that starts with slf4j's package, a whole literal included.
     */
    static void acceptUnrelocatedSettings(Properties properties) {
        copySettings(properties, String.join(".", "org", "slf4j", "simpleLogger") + ".", SimpleLogger.SYSTEM_PREFIX);
    }

    /** Each property named {@code from...} also as {@code to...}, unless that is set; nothing when the two are one. */
    static void copySettings(Properties properties, String from, String to) {
        if (from.equals(to)) {
            return;
        }
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith(from)) {
                properties.putIfAbsent(to + name.substring(from.length()), properties.getProperty(name));
            }
        }
    }
}
