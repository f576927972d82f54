package dev.codexbridge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.HostileText;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.MarkerFactory;
import org.slf4j.simple.SimpleLogger;

/** The CLI's log format: the JSON records, the stderr that becomes records, the choice of format (decision 0101). */
class JsonLogLinesTest {
    /** ISO-8601 to the millisecond with an offset, as both formats write it. */
    static final Pattern TIMESTAMP = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d)");

    private final ByteArrayOutputStream written = new ByteArrayOutputStream();

    @AfterEach
    void writeToStderrAgain() {
        JsonLogLines.writeTo(null);
    }

    @Test
    void aRecordHoldsTheFieldsAndAnyTextComesBackExactly() throws IOException {
        String message = "a \"quoted\" word, a newline\nforged WARN line, a bell \u0007, an escape \u001b[2J, a tab\t,"
                + " DEL \u007f, CSI \u009b, NEL \u0085, LS \u2028, PS \u2029, a backslash \\ and café 日本語 \uD83D\uDE00";
        Instant at = Instant.parse("2026-11-27T08:01:02.345678Z");
        String line = JsonLogLines.line(at, "WARN", "dev.codexbridge.x", "main", null, message, null);

        assertThat(line).endsWith("}\n");
        String body = line.substring(0, line.length() - 1);
        assertThat(body.chars()).as(body).noneMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029);
        JsonNode json = Json.parse(body);
        assertThat(json.path("message").asText()).isEqualTo(message);
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("logger").asText()).isEqualTo("dev.codexbridge.x");
        assertThat(json.path("thread").asText()).isEqualTo("main");
        assertThat(json.has("exception")).isFalse();
        assertThat(json.has("markers")).isFalse();
        String timestamp = json.path("timestamp").asText();
        assertThat(timestamp).matches(TIMESTAMP);
        assertThat(OffsetDateTime.parse(timestamp).toInstant()).isEqualTo(Instant.parse("2026-11-27T08:01:02.345Z"));
        List<String> fields = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("timestamp", "level", "logger", "thread", "message");
    }

    @Test
    void hostileTextRoundTripsOnOneLine() throws IOException {
        HostileText hostile = new HostileText(71);
        for (int i = 0; i < 500; i++) {
            String text = hostile.next();
            String line = JsonLogLines.line(Instant.now(), "INFO", text, text, null, text, new IllegalStateException(text));
            assertThat(line.indexOf('\n')).as(text).isEqualTo(line.length() - 1);
            JsonNode json = Json.parse(line);
            assertThat(json.path("message").asText()).isEqualTo(text);
            assertThat(json.path("logger").asText()).isEqualTo(text);
            assertThat(json.path("thread").asText()).isEqualTo(text);
            assertThat(json.path("exception").path("message").asText()).isEqualTo(text);
        }
    }

    @Test
    void anExceptionHasItsClassMessageAndWholeStack() throws IOException {
        Exception cause = new java.io.IOException("disk \"full\"\nreally");
        RuntimeException thrown = new IllegalStateException("cannot write", cause);
        JsonNode json = Json.parse(JsonLogLines.line(Instant.now(), "ERROR", "l", "t", List.of(MarkerFactory.getMarker("AUDIT")),
                "failed", thrown));
        JsonNode exception = json.path("exception");
        assertThat(exception.path("class").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(exception.path("message").asText()).isEqualTo("cannot write");
        assertThat(exception.path("stack").asText()).startsWith("java.lang.IllegalStateException: cannot write\n\tat ")
                .contains("Caused by: java.io.IOException: disk \"full\"\nreally")
                .contains("\tat dev.codexbridge.cli.JsonLogLinesTest.anExceptionHasItsClassMessageAndWholeStack");
        assertThat(json.path("markers").toString()).isEqualTo("[\"AUDIT\"]");

        JsonNode noMessage = Json.parse(JsonLogLines.line(Instant.now(), "ERROR", "l", "t", null, "m", new NullPointerException()));
        assertThat(noMessage.path("exception").path("message").isNull()).isTrue();
        assertThat(noMessage.path("exception").path("class").asText()).isEqualTo("java.lang.NullPointerException");
    }

    @Test
    void theLoggersKeepSlf4jSimplesLevelsAndWriteJson() throws IOException {
        JsonLogLines.writeTo(new PrintStream(written, true, StandardCharsets.UTF_8));
        String name = "dev.codexbridge.cli.jsontest." + System.nanoTime();
        System.setProperty(SimpleLogger.LOG_KEY_PREFIX + name, "debug");
        try {
            JsonLogProvider provider = new JsonLogProvider();
            provider.initialize();
            Logger logger = provider.getLoggerFactory().getLogger(name + ".child");
            assertThat(logger.isDebugEnabled()).isTrue();
            assertThat(logger.isTraceEnabled()).isFalse();
            logger.trace("not written");
            logger.debug("value {} and {}", "a\"b", 7);
            logger.warn("failed at {}", "step\n2", new IllegalArgumentException("bad"));
            logger.atInfo().setMessage("fluent {}").addArgument("one").log();
        } finally {
            System.clearProperty(SimpleLogger.LOG_KEY_PREFIX + name);
        }
        List<JsonNode> records = records();
        assertThat(records).hasSize(3);
        assertThat(records.get(0).path("level").asText()).isEqualTo("DEBUG");
        assertThat(records.get(0).path("message").asText()).isEqualTo("value a\"b and 7");
        assertThat(records.get(0).path("logger").asText()).isEqualTo(name + ".child");
        assertThat(records.get(0).path("thread").asText()).isEqualTo(Thread.currentThread().getName());
        assertThat(records.get(1).path("level").asText()).isEqualTo("WARN");
        assertThat(records.get(1).path("message").asText()).isEqualTo("failed at step\n2");
        assertThat(records.get(1).path("exception").path("class").asText()).isEqualTo("java.lang.IllegalArgumentException");
        assertThat(records.get(1).path("exception").path("stack").asText()).startsWith("java.lang.IllegalArgumentException: bad\n");
        assertThat(records.get(2).path("level").asText()).isEqualTo("INFO");
        assertThat(records.get(2).path("message").asText()).isEqualTo("fluent one");
    }

    @Test
    void whatIsPrintedToStderrBecomesOneRecordPerLine() throws IOException {
        JsonLogLines.Records err = JsonLogLines.recordsOf(new PrintStream(written, true, StandardCharsets.UTF_8));
        err.println("codex-bridge a2a: listening");
        err.print("two\r\nlines \"here\"\n");
        err.print("codex> a streamed ");
        err.flush();
        err.print("answer");
        err.flush();
        err.println();
        new IllegalStateException("bug").printStackTrace(err);
        err.print("left without a line end");
        err.endPendingLine();
        err.println("and the stream still open");
        List<JsonNode> records = records();
        assertThat(records).allSatisfy(r -> {
            assertThat(r.path("logger").asText()).isEqualTo(JsonLogLines.STDERR_LOGGER);
            assertThat(r.path("level").asText()).isEqualTo("INFO");
            assertThat(r.path("timestamp").asText()).matches(TIMESTAMP);
        });
        assertThat(records.stream().map(r -> r.path("message").asText()).limit(4))
                .containsExactly("codex-bridge a2a: listening", "two", "lines \"here\"", "codex> a streamed answer");
        assertThat(records.get(4).path("message").asText()).isEqualTo("java.lang.IllegalStateException: bug");
        assertThat(records.get(5).path("message").asText()).startsWith("\tat dev.codexbridge.cli.JsonLogLinesTest.");
        assertThat(records.subList(records.size() - 2, records.size())).map(r -> r.path("message").asText())
                .containsExactly("left without a line end", "and the stream still open");
    }

    @Test
    void aLineWithoutEndIsCutAtItsBound() throws IOException {
        PrintStream err = JsonLogLines.recordsOf(new PrintStream(written, true, StandardCharsets.UTF_8));
        err.print("x".repeat(JsonLogLines.MAX_PENDING_BYTES + 10));
        err.println();
        List<JsonNode> records = records();
        assertThat(records).hasSize(2);
        assertThat(records.get(0).path("message").asText()).hasSize(JsonLogLines.MAX_PENDING_BYTES);
        assertThat(records.get(1).path("message").asText()).hasSize(10);
    }

    @Test
    void theFormatIsTheOptionsElseTheEnvironmentsElseText() {
        Map<String, String> none = Map.of();
        Map<String, String> json = Map.of(CliLogging.ENVIRONMENT, "json");
        assertThat(CliLogging.requested(new String[] {"a2a", "--listen", ":1"}, none)).isEqualTo(CliLogging.Format.TEXT);
        assertThat(CliLogging.requested(new String[] {"a2a"}, json)).isEqualTo(CliLogging.Format.JSON);
        assertThat(CliLogging.requested(new String[] {"a2a"}, Map.of(CliLogging.ENVIRONMENT, " JSON "))).isEqualTo(CliLogging.Format.JSON);
        assertThat(CliLogging.requested(new String[] {"--log-format", "json", "a2a"}, none)).isEqualTo(CliLogging.Format.JSON);
        assertThat(CliLogging.requested(new String[] {"a2a", "--log-format=JSON"}, none)).isEqualTo(CliLogging.Format.JSON);
        assertThat(CliLogging.requested(new String[] {"a2a", "--log-format", "text"}, json)).isEqualTo(CliLogging.Format.TEXT);
        // after "--" it is an argument, not the option; a value that is neither is picocli's to refuse
        assertThat(CliLogging.requested(new String[] {"run", "--", "--log-format", "json"}, none)).isEqualTo(CliLogging.Format.TEXT);
        assertThat(CliLogging.requested(new String[] {"a2a", "--log-format", "xml"}, json)).isEqualTo(CliLogging.Format.JSON);
        assertThat(CliLogging.requested(new String[] {"a2a", "--log-format"}, none)).isEqualTo(CliLogging.Format.TEXT);
    }

    @Test
    void everyCommandTakesTheOptionBeforeOrAfterItsNameAndPicocliRefusesOtherValues() {
        assertThat(CommandLines.parses(List.of("--log-format", "json", "a2a", "--listen", "127.0.0.1:0"))).isTrue();
        assertThat(CommandLines.parses(List.of("a2a", "--listen", "127.0.0.1:0", "--log-format=JSON"))).isTrue();
        assertThat(CommandLines.parses(List.of("threads", "list", "--log-format", "text"))).isTrue();
        assertThat(CommandLines.parses(List.of("mcp", "--log-format", "xml"))).isFalse();
    }

    @Test
    void settingsUnderSlf4jsOwnNamesReachTheMovedOnesUnlessThoseAreGiven() {
        Properties p = new Properties();
        p.setProperty("org.slf4j.simpleLogger.showDateTime", "false");
        p.setProperty("org.slf4j.simpleLogger.log.dev.codexbridge", "debug");
        p.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        p.setProperty("moved.simpleLogger.defaultLogLevel", "error");
        CliLogging.copySettings(p, "org.slf4j.simpleLogger.", "moved.simpleLogger.");
        assertThat(p).containsEntry("moved.simpleLogger.showDateTime", "false")
                .containsEntry("moved.simpleLogger.log.dev.codexbridge", "debug")
                .containsEntry("moved.simpleLogger.defaultLogLevel", "error")
                .containsEntry("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        Properties same = new Properties();
        same.setProperty("org.slf4j.simpleLogger.showDateTime", "false");
        CliLogging.copySettings(same, "org.slf4j.simpleLogger.", "org.slf4j.simpleLogger.");
        assertThat(same).hasSize(1);
    }

    private List<JsonNode> records() throws IOException {
        List<JsonNode> records = new java.util.ArrayList<>();
        for (String line : written.toString(StandardCharsets.UTF_8).split("\n", -1)) {
            if (!line.isEmpty()) {
                records.add(Json.parse(line));
            }
        }
        assertThat(written.toString(StandardCharsets.UTF_8)).endsWith("}\n");
        return records;
    }
}
