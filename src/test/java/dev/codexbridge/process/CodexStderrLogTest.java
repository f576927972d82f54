package dev.codexbridge.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.support.HostileText;
import dev.codexbridge.support.LogCapture;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * Codex's stderr lines reach the host's log at codex's own level, under a logger named after
 * codex's module, with colour removed, fields kept, controls escaped and secrets masked. The
 * lines are as codex 0.169.0 wrote them (colour included) with {@code RUST_LOG=info}.
 */
class CodexStderrLogTest {
    private static final String E = "\u001b";
    /** {@code ERROR codex_app_server: …}, printed at every start without bubblewrap on PATH. */
    static final String BUBBLEWRAP = E + "[2m2026-11-22T21:29:43.598715Z" + E + "[0m " + E + "[31mERROR" + E + "[0m "
            + E + "[2mcodex_app_server" + E + "[0m" + E + "[2m:" + E + "[0m Codex could not find bubblewrap on PATH. "
            + "See the sandbox prerequisites: https://developers.openai.com/codex/concepts/sandboxing#prerequisites.";
    static final String WITH_FIELDS = E + "[2m2026-11-22T21:29:43.601077Z" + E + "[0m " + E + "[32m INFO" + E + "[0m "
            + E + "[2mcodex_login::auth::manager" + E + "[0m" + E + "[2m:" + E + "[0m Reloaded auth, changed: false "
            + E + "[3mauth_changed_for_refresh" + E + "[0m" + E + "[2m=" + E + "[0mfalse";
    static final String IN_A_SPAN = E + "[2m2026-11-22T21:29:43.612037Z" + E + "[0m " + E + "[32m INFO" + E + "[0m "
            + E + "[1mfs.read_file" + E + "[0m" + E + "[1m{" + E + "[0m" + E + "[3msandboxed" + E + "[0m" + E + "[2m="
            + E + "[0mfalse" + E + "[1m}" + E + "[0m" + E + "[2m:" + E + "[0m " + E + "[2mcodex_exec_server::local_file_system"
            + E + "[0m" + E + "[2m:" + E + "[0m new";
    static final String DESERIALIZE = E + "[2m2026-11-22T21:29:46.448681Z" + E + "[0m " + E + "[31mERROR" + E + "[0m "
            + E + "[2mcodex_app_server_transport::transport" + E + "[0m" + E + "[2m:" + E + "[0m "
            + "Failed to deserialize JSONRPCMessage: expected value at line 1 column 1";
    static final String PLAIN_NOTICE = "WARNING: proceeding, even though we could not create PATH aliases: "
            + "Refusing to create helper binaries under temporary dir \"/tmp\"";

    @Test
    void codexLogLinesAreParsedIntoLevelTargetAndText() {
        assertThat(CodexLogLine.parse(BUBBLEWRAP)).isEqualTo(new CodexLogLine(Level.ERROR, "codex_app_server",
                "Codex could not find bubblewrap on PATH. See the sandbox prerequisites: "
                        + "https://developers.openai.com/codex/concepts/sandboxing#prerequisites."));
        assertThat(CodexLogLine.parse(WITH_FIELDS)).isEqualTo(new CodexLogLine(Level.INFO, "codex_login::auth::manager",
                "Reloaded auth, changed: false auth_changed_for_refresh=false"));
        assertThat(CodexLogLine.parse(IN_A_SPAN)).isEqualTo(new CodexLogLine(Level.INFO,
                "codex_exec_server::local_file_system", "fs.read_file{sandboxed=false}: new"));
        assertThat(CodexLogLine.parse(DESERIALIZE)).isEqualTo(new CodexLogLine(Level.ERROR,
                "codex_app_server_transport::transport", "Failed to deserialize JSONRPCMessage: expected value at line 1 column 1"));
        // without colour or timestamp, nested spans, a span with a ": " in a field, a span without fields
        assertThat(CodexLogLine.parse(" WARN codex_core::client: stream disconnected retry=1"))
                .isEqualTo(new CodexLogLine(Level.WARN, "codex_core::client", "stream disconnected retry=1"));
        assertThat(CodexLogLine.parse("2026-11-22T21:29:43Z DEBUG turn{id=\"a: b\"}:tool{n=1}: codex_core::tools: ran: ok"))
                .isEqualTo(new CodexLogLine(Level.DEBUG, "codex_core::tools", "turn{id=\"a: b\"}:tool{n=1}: ran: ok"));
        assertThat(CodexLogLine.parse("2026-11-22T21:29:43Z TRACE turn: codex_core::codex: started"))
                .isEqualTo(new CodexLogLine(Level.TRACE, "codex_core::codex", "turn: started"));
        assertThat(CodexLogLine.parse("2026-11-22T21:29:43Z  INFO no target here"))
                .isEqualTo(new CodexLogLine(Level.INFO, null, "no target here"));
    }

    @Test
    void otherLinesAreNotCodexLogLines() {
        assertThat(CodexLogLine.parse(PLAIN_NOTICE)).isNull();
        assertThat(CodexLogLine.parse("thread 'main' panicked at core/src/lib.rs:1:1:")).isNull();
        assertThat(CodexLogLine.parse("Error: loading config")).isNull();
        assertThat(CodexLogLine.parse("2026-11-22 WARNING x")).isNull();
        assertThat(CodexLogLine.parse("")).isNull();
        assertThat(CodexLogLine.parse("   ")).isNull();
        assertThat(CodexLogLine.parse("WARN")).isEqualTo(new CodexLogLine(Level.WARN, null, ""));
    }

    @Test
    void onlyWellFormedColourSequencesAreRemoved() {
        assertThat(CodexLogLine.stripColour(E + "[1;31mred" + E + "[0m")).isEqualTo("red");
        // an OSC title change, a lone ESC and an unfinished CSI stay, for the log line to escape
        assertThat(CodexLogLine.stripColour(E + "]0;pwned\u0007x" + E)).isEqualTo(E + "]0;pwned\u0007x" + E);
        assertThat(CodexLogLine.stripColour("a" + E + "[12;")).isEqualTo("a" + E + "[12;");
    }

    @Test
    void linesAreLoggedAtCodexsLevelUnderItsModule() {
        String logged;
        try (LogCapture log = LogCapture.start()) {
            CodexStderrLog.log(WITH_FIELDS);
            CodexStderrLog.log(DESERIALIZE);
            CodexStderrLog.log(E + "[33m WARN" + E + "[0m codex_core::client: stream error " + E + "[3mstatus" + E + "[0m=429");
            CodexStderrLog.log(PLAIN_NOTICE);
            CodexStderrLog.log(BUBBLEWRAP);
            // as codex 0.171.0 wrote it after a door's stop closed its stdin (DoorStopLiveTest, under load)
            CodexStderrLog.log("2026-11-29T08:53:23.351000Z  WARN codex_app_server::transport: dropping message for disconnected "
                    + "connection: ConnectionId(0)");
            CodexStderrLog.log("2026-11-29T08:53:23.352000Z  WARN codex_app_server::outgoing_message: failed to send server "
                    + "notification to client: SendError { .. }");
            CodexStderrLog.log("2026-11-29T08:53:23.353000Z  WARN codex_analytics::client: dropping analytics events: queue is full");
            logged = log.text();
        }
        assertThat(logged)
                .contains("INFO dev.codexbridge.codex.stderr.codex_login.auth.manager - Reloaded auth, changed: false "
                        + "auth_changed_for_refresh=false")
                .contains("ERROR dev.codexbridge.codex.stderr.codex_app_server_transport.transport - Failed to deserialize "
                        + "JSONRPCMessage: expected value at line 1 column 1")
                .contains("WARN dev.codexbridge.codex.stderr.codex_core.client - stream error status=429")
                // not codex's log format: today's level, the base logger, as written
                .contains("DEBUG dev.codexbridge.codex.stderr - WARNING: proceeding, even though")
                // a start-up notice codex logs as ERROR is shown at INFO
                .contains("INFO dev.codexbridge.codex.stderr.codex_app_server - Codex could not find bubblewrap on PATH.")
                // and what codex still had to send as the library closed the connection at a stop
                .contains("INFO dev.codexbridge.codex.stderr.codex_app_server.transport - dropping message for disconnected connection")
                .contains("INFO dev.codexbridge.codex.stderr.codex_app_server.outgoing_message - failed to send server notification")
                .contains("INFO dev.codexbridge.codex.stderr.codex_analytics.client - dropping analytics events")
                .doesNotContain("WARN dev.codexbridge.codex.stderr.codex_app_server.transport")
                .doesNotContain("WARN dev.codexbridge.codex.stderr.codex_app_server.outgoing_message")
                .doesNotContain("WARN dev.codexbridge.codex.stderr.codex_analytics")
                .doesNotContain("\u001b")
                .doesNotContain("2026-11-22T21:29");
    }

    /** What codex 0.169.0 logs (codex_rollout::list) when its state database names a rollout the library moved at a sleep. */
    static final String STALE_PATH = E + "[2m2026-11-22T21:29:43.598715Z" + E + "[0m " + E + "[31mERROR" + E + "[0m "
            + E + "[2mcodex_rollout::list" + E + "[0m" + E + "[2m:" + E + "[0m state db returned stale rollout path for thread "
            + "019a8e5c-1d2f-7a40-9b1e-3c4d5e6f7a80: /tmp/home/sessions/2026/11/22/rollout-2026-11-22T21-29-40-019a8e5c.jsonl";
    static final String DISCREPANCY = E + "[2m2026-11-22T21:29:43.598790Z" + E + "[0m " + E + "[33m WARN" + E + "[0m "
            + E + "[2mcodex_rollout::list" + E + "[0m" + E + "[2m:" + E + "[0m state db discrepancy during "
            + "find_thread_path_by_id_str_in_subdir: stale_db_path";

    @Test
    void codexsNotesOnItsStateDatabaseAreDebugCountedAndNotKept() throws Exception {
        String logged;
        StderrTail tail;
        try (LogCapture log = LogCapture.start()) {
            String fallingBack = DISCREPANCY.replace("stale_db_path", "falling_back");
            String lines = String.join("\n", STALE_PATH, DISCREPANCY, DESERIALIZE, STALE_PATH, fallingBack) + "\n";
            tail = new StderrTail(new java.io.ByteArrayInputStream(lines.getBytes(java.nio.charset.StandardCharsets.UTF_8)), 10, "test");
            tail.awaitEnd(5_000);
            logged = log.text();
        }
        assertThat(logged).contains("DEBUG dev.codexbridge.codex.stderr.codex_rollout.list - state db returned stale rollout path")
                .contains("DEBUG dev.codexbridge.codex.stderr.codex_rollout.list - state db discrepancy during")
                .doesNotContain("ERROR dev.codexbridge.codex.stderr.codex_rollout").doesNotContain("WARN dev.codexbridge.codex.stderr.codex_rollout")
                // a real failure among them keeps its level
                .contains("ERROR dev.codexbridge.codex.stderr.codex_app_server_transport.transport - Failed to deserialize");
        assertThat(tail.stateDatabaseNotices()).isEqualTo(4);
        assertThat(tail.last(10)).containsExactly(DESERIALIZE);
        assertThat(StderrDigest.of(java.util.List.of(STALE_PATH, DISCREPANCY))).isEmpty();
    }

    @Test
    void hostileLinesAreLoggedEscapedAndRedacted() {
        for (int round = 0; round < 200; round++) {
            HostileText h = new HostileText(round);
            String logged;
            try (LogCapture log = LogCapture.start()) {
                // in the message, in a field, right after a colour that follows a letter, in a span
                CodexStderrLog.log("2026-11-22T21:29:43Z " + E + "[33m WARN" + E + "[0m codex_core::x: " + h.next()
                        + " " + E + "[3mkey" + E + "[0m=" + h.next());
                CodexStderrLog.log(E + "[31mERROR" + E + "[0m a" + E + "[3" + (round % 8) + "m" + h.secret()
                        + E + "[0m{f=" + h.next() + "}: codex_core::y: x" + E + "[1m" + h.secret());
                CodexStderrLog.log(" INFO codex_core::z: api_key" + E + "[2m=" + E + "[0m" + h.secret() + " token: " + h.secret());
                CodexStderrLog.log(h.next());
                logged = log.text();
            }
            h.assertSafe("round " + round, logged);
            assertThat(logged).contains("WARN dev.codexbridge.codex.stderr.codex_core.x - ");
        }
    }

    @Test
    void hugeAndPathologicalLinesAreLoggedWhole() {
        String braces = "2026-11-22T21:29:43Z  INFO " + "{".repeat(StderrTail.MAX_LINE_CHARS) + ": x";
        String colons = " WARN " + ":".repeat(StderrTail.MAX_LINE_CHARS);
        String escapes = "ERROR " + (E + "[").repeat(StderrTail.MAX_LINE_CHARS / 2);
        String longTarget = " INFO " + "a".repeat(StderrTail.MAX_LINE_CHARS) + ": x";
        assertThat(CodexLogLine.parse(braces).target()).isNull();
        assertThat(CodexLogLine.parse(colons)).isEqualTo(new CodexLogLine(Level.WARN, null, colons.substring(6)));
        assertThat(CodexLogLine.parse(escapes).text()).hasSize(StderrTail.MAX_LINE_CHARS);
        assertThat(CodexLogLine.parse(longTarget).target()).isNull();
        String logged;
        try (LogCapture log = LogCapture.start()) {
            CodexStderrLog.log(braces);
            CodexStderrLog.log(escapes);
            logged = log.text();
        }
        assertThat(logged).contains("INFO dev.codexbridge.codex.stderr - {{{{").contains("ERROR dev.codexbridge.codex.stderr - \\u001b[");
    }

    @Test
    void aCodexNamingEverNewModulesGetsNoMoreLoggersThanTheCap() {
        try {
            for (int i = 0; i < 1000; i++) {
                CodexStderrLog.loggerFor("codex_flood::m" + i);
            }
            assertThat(CodexStderrLog.loggerFor("codex_flood::m999").getName()).isEqualTo(CodexStderrLog.BASE);
            assertThat(CodexStderrLog.targetsKnown()).isLessThanOrEqualTo(256);
        } finally {
            CodexStderrLog.forgetTargets();
        }
    }
}
