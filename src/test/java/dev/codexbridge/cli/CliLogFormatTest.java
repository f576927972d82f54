package dev.codexbridge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.A2aCommandProcess;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.TestDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The log lines of a door, {@code codex-bridge a2a} in a JVM of its own started as {@code main}
 * starts it (decision 0101): with a timestamp in text, one JSON object per line with
 * {@code --log-format json} or {@code CODEX_BRIDGE_LOG_FORMAT=json}. What it logs: a context
 * record in {@code --contexts} it cannot read, named with a quote, a newline and a bell, which
 * the a2a module logs (WARN) with the name as it is. No codex is started: callers' codexes start
 * on their first call, and none calls.
 */
class CliLogFormatTest {
    private static final String RECORD_NAME = "bad\"name\nx\u0007.json";
    private static final Pattern TEXT_WARN = Pattern.compile(
            "^(\\S+) \\[main\\] WARN dev\\.codexbridge\\.a2a\\.FileContextStore - ignoring the unreadable A2A context record ");

    private Path dir;
    private Path contexts;

    @BeforeEach
    void unreadableRecord() throws Exception {
        dir = TestDirs.create("cli-log-format");
        contexts = Files.createDirectory(dir.resolve("contexts"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.writeString(contexts.resolve(RECORD_NAME), "not a record");
    }

    @AfterEach
    void delete() throws Exception {
        TestDirs.delete(dir);
    }

    @Test
    void textLinesStartWithTheirTimestamp() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        List<String> lines = a2a(List.of(), Map.of(), List.of());
        String warn = lines.stream().filter(l -> TEXT_WARN.matcher(l).find()).findFirst()
                .orElseThrow(() -> new AssertionError("no WARN line:\n" + String.join("\n", lines)));
        Matcher m = TEXT_WARN.matcher(warn);
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).matches(JsonLogLinesTest.TIMESTAMP);
        Instant at = OffsetDateTime.parse(m.group(1)).toInstant();
        assertThat(at).isBetween(before, Instant.now().plusSeconds(1));
    }

    @Test
    void theUsersOwnSettingWins() throws Exception {
        List<String> lines = a2a(List.of("-Dorg.slf4j.simpleLogger.showDateTime=false"), Map.of(), List.of());
        assertThat(lines).as(String.join("\n", lines))
                .anyMatch(l -> l.startsWith("[main] WARN dev.codexbridge.a2a.FileContextStore - ignoring the unreadable"));
    }

    @Test
    void withJsonEveryLineIsAnObjectAndTheNameComesBackExactly() throws Exception {
        List<String> lines = a2a(List.of(), Map.of(CliLogging.ENVIRONMENT, "json"), List.of());
        List<JsonNode> records = parsed(lines);
        JsonNode warn = records.stream().filter(r -> r.path("logger").asText().equals("dev.codexbridge.a2a.FileContextStore"))
                .findFirst().orElseThrow(() -> new AssertionError("no record of the context store:\n" + String.join("\n", lines)));
        assertThat(warn.path("level").asText()).isEqualTo("WARN");
        assertThat(warn.path("thread").asText()).isEqualTo("main");
        assertThat(warn.path("message").asText()).startsWith("ignoring the unreadable A2A context record ")
                .contains(contexts.resolve(RECORD_NAME).toString() + ": ");
        // the command's own notices are records too: it listens, it stops
        assertThat(records).anyMatch(r -> r.path("logger").asText().equals(JsonLogLines.STDERR_LOGGER)
                && r.path("message").asText().startsWith("codex-bridge a2a: A2A agent at http://127.0.0.1:"));
    }

    @Test
    void theOptionAfterTheCommandWinsOverTheEnvironment() throws Exception {
        List<String> lines = a2a(List.of(), Map.of(CliLogging.ENVIRONMENT, "text"), List.of("--log-format", "json"));
        assertThat(parsed(lines)).anyMatch(r -> r.path("level").asText().equals("WARN"));
    }

    /** Each line parsed, each with the fields every record has. */
    private static List<JsonNode> parsed(List<String> lines) {
        assertThat(lines).isNotEmpty();
        List<JsonNode> records = new ArrayList<>();
        for (String line : lines) {
            JsonNode r = Json.parse(line);
            assertThat(r.isObject()).as(line).isTrue();
            assertThat(r.path("timestamp").asText()).as(line).matches(JsonLogLinesTest.TIMESTAMP);
            for (String field : List.of("level", "logger", "thread", "message")) {
                assertThat(r.path(field).isTextual()).as("%s in %s", field, line).isTrue();
            }
            records.add(r);
        }
        return records;
    }

    /**
     * Stderr of {@code codex-bridge a2a} on the test's contexts, from its start to its stop on SIGTERM,
     * with {@code jvm} options, {@code env} and {@code more} arguments.
     */
    private List<String> a2a(List<String> jvm, Map<String, String> env, List<String> more) throws Exception {
        List<String> command = ChildJvm.command();
        command.addAll(jvm);
        command.addAll(List.of("-cp", ChildJvm.classPath(), Main.class.getName(), "a2a", "--listen", "127.0.0.1:0",
                "--contexts", contexts.toString(), "--codex-bin", "/bin/true", "--workspace", Files.createDirectories(dir.resolve("work")).toString()));
        command.addAll(more);
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove(CliLogging.ENVIRONMENT);
        pb.environment().put("XDG_DATA_HOME", dir.resolve("data").toString());
        pb.environment().put("CODEX_HOME", Files.createDirectories(dir.resolve("codex-home")).toString());
        pb.environment().putAll(env);
        return A2aCommandProcess.stderrUntilStopped(pb);
    }
}
