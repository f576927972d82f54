package dev.codexbridge.live;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.cli.Main;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `codex-bridge run` against the real codex and the scripted model: in-process, and in a terminal. */
class RunCommandLiveTest {
    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path work;

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        work = Files.createDirectories(tmp.resolve("work"));
    }

    @AfterEach
    void tearDown() {
        if (model != null) { // null when the live tests are skipped before setUp got that far
            model.close();
        }
    }

    private Path home(Consumer<IsolatedCodexHome.Builder> h) {
        IsolatedCodexHome.Builder b = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl());
        h.accept(b);
        return b.write();
    }


    @Test
    void oneTurnAsJsonWithTheDocumentedFields() {
        model.enqueue(ModelReply.message("Hello from run."));
        String[] r = run("run", "say hello", "--codex-home", home(h -> { }).toString(), "--cwd", work.toString(), "--json");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode result = Json.parse(r[1].strip());
        // the transcript first: it is written as the turn runs, the rest once the turn has ended
        assertThat(result.fieldNames()).toIterable().containsExactly("messages", "threadId", "turnId", "status", "finalText",
                "error", "stopReason", "toolIterations", "stepCount", "stepEndsMs", "durationMs", "attempts", "rateLimitWaitMs",
                "tokenUsage", "retired", "key");
        assertThat(result.path("finalText").asText()).isEqualTo("Hello from run.");
        assertThat(result.path("messages").get(0).path("role").asText()).isEqualTo("user");
        // the scripted server answers codex's catalogue request, so codex knows the mock model
        assertThat(r[2]).doesNotContain("Model metadata");
        assertThat(model.requests()).anySatisfy(q -> assertThat(q.method() + " " + q.path()).isEqualTo("GET /v1/models"));
    }

    /** Escape sequences a prompt-injected model could send: window title, clear screen, colour, cursor moves. */
    private static final String ESCAPES = "\u001b]0;pwned\u0007\u001b[2J\u001b[31m\u001b[1A\u009b2K";
    /** How the CLI shows them. */
    private static final String VISIBLE = "\\u001b]0;pwned\\u0007\\u001b[2J\\u001b[31m\\u001b[1A\\u009b2K";

    @Test
    void escapeSequencesFromTheModelNeverReachTheTerminal() {
        Path home = home(h -> h.askForApproval("on-request"));
        String command = "printf 'out" + ESCAPES + "\\n'; echo '" + ESCAPES + "'";
        model.enqueue(ModelReply.builder().execCommandEscalated("c1", command, "reason" + ESCAPES).build(),
                ModelReply.message("answer" + ESCAPES));
        String[] r = run("run", "go", "--codex-home", home.toString(), "--cwd", work.toString(), "--approve", "once");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1] + r[2]).doesNotContain("\u001b", "\u0007", "\u009b");
        assertThat(r[2]).contains("approval /bin/bash -c ").contains("$ /bin/bash -c ")
                .contains("out" + VISIBLE).contains("codex> answer" + VISIBLE).contains("completed, exit 0");
        assertThat(r[1]).contains("answer" + VISIBLE);

        // --json keeps the exact text, escaped as JSON does
        model.enqueue(ModelReply.message("answer" + ESCAPES));
        String[] json = run("run", "go", "--codex-home", home.toString(), "--cwd", work.toString(), "--json");
        assertThat(json[1] + json[2]).doesNotContain("\u001b", "\u0007", "\u009b");
        assertThat(Json.parse(json[1].strip()).path("finalText").asText()).isEqualTo("answer" + ESCAPES);
    }

    @Test
    void approvalsWithoutATerminalFollowApproveAndExitCodesFollowTheStatus() {
        Path home = home(h -> h.askForApproval("on-request"));
        model.enqueue(ModelReply.builder().execCommandEscalated("c1", "echo ran-it", "please").build(), ModelReply.message("ok"));
        String[] denied = run("run", "run it", "--codex-home", home.toString(), "--cwd", work.toString());
        assertThat(denied[0]).isEqualTo("0");
        assertThat(denied[2]).contains("command deny").contains("declined");
        model.enqueue(ModelReply.builder().execCommandEscalated("c2", "echo ran-it", "please").build(), ModelReply.message("ok"));
        String[] once = run("run", "run it", "--codex-home", home.toString(), "--cwd", work.toString(), "--approve", "once");
        assertThat(once[0]).isEqualTo("0");
        assertThat(once[2]).contains("$ /bin/bash -c 'echo ran-it'").contains("completed, exit 0");

        model.enqueue(ModelReply.builder().failed("context_length_exceeded", "too long").build());
        String[] failed = run("run", "x", "--codex-home", home.toString(), "--cwd", work.toString());
        assertThat(failed[0]).isEqualTo("1");
        assertThat(failed[2]).contains("error (contextWindow)");
    }

    @Test
    void aTurnOverItsTimeoutExitsWith4AndUsageErrorsWith2() {
        Path home = home(h -> h.sandboxMode("danger-full-access"));
        model.enqueue(ModelReply.builder().execCommand("c1", "sleep 30").build());
        String[] timedOut = run("run", "wait", "--codex-home", home.toString(), "--cwd", work.toString(), "--timeout", "2");
        assertThat(timedOut[0]).isEqualTo("4");
        assertThat(timedOut[2]).contains("timed out after 2 s");
        assertThat(run("run", "x", "--timeout", "0", "--idle-timeout", "0")[0]).isEqualTo("2");
        assertThat(run("run", "x", "--approve", "maybe")[0]).isEqualTo("2");
    }

    /** A person at a terminal: the prompt, an approval answered at the keyboard, then Ctrl-C on a long command. */
    @Test
    void inAPseudoTerminalApprovalsArePromptedAndCtrlCInterrupts() throws Exception {
        // a shell without job control starts a command put in the background with SIGINT ignored, and every process
        // below it inherits that: the CLI's JVM then honours it, as it would under nohup, and no Ctrl-C can reach it
        org.junit.jupiter.api.Assumptions.assumeFalse(sigintIgnoredHere(),
                "SIGINT is ignored in this process (the build was started in the background by a shell without job control)");
        Path home = home(h -> h.askForApproval("on-request"));
        model.enqueue(ModelReply.builder().execCommandEscalated("c1", "echo typed-yes", "List things").build(),
                ModelReply.message("Done at the terminal."));
        String cmd = ChildJvm.shellCommand() + " -Dcodexbridge.codexDir=" + System.getProperty("codexbridge.codexDir") + " -cp " + ChildJvm.classPath()
                + " dev.codexbridge.cli.Main run --codex-home " + home + " --cwd " + work;
        Process p = new ProcessBuilder("script", "-qfec", cmd, "/dev/null").redirectErrorStream(true).start();
        OutputStream keys = p.getOutputStream();
        StringBuilder screen = new StringBuilder();
        keys.write("please run it\n".getBytes(StandardCharsets.UTF_8));
        keys.flush();
        waitFor(p.getInputStream(), screen, "allow?");
        keys.write("o\n".getBytes(StandardCharsets.UTF_8));
        keys.flush();
        waitFor(p.getInputStream(), screen, "Done at the terminal.");
        model.enqueue(ModelReply.builder().execCommand("c2", "sleep 30").build());
        keys.write("wait\n".getBytes(StandardCharsets.UTF_8));
        keys.flush();
        waitFor(p.getInputStream(), screen, "$ /bin/bash -c 'sleep 30'");
        keys.write(3);
        keys.flush();
        waitFor(p.getInputStream(), screen, "[interrupted");
        keys.write("\n".getBytes(StandardCharsets.UTF_8));
        keys.flush();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(screen.toString()).isTrue();
        String s = screen.toString();
        assertThat(s).contains("codex asks: /bin/bash -c 'echo typed-yes'").contains("List things").contains("command once")
                .contains("interrupting the turn");
        assertThat(p.exitValue()).as(s).isEqualTo(130);
    }

    /** The same in a terminal: the approval prompt, the command, its output and the answer. */
    @Test
    void inAPseudoTerminalNothingTheModelSendsDrivesTheTerminal() throws Exception {
        Path home = home(h -> h.askForApproval("on-request"));
        String command = "printf 'out" + ESCAPES + "\\n'; echo '" + ESCAPES + "'";
        model.enqueue(ModelReply.builder().execCommandEscalated("c1", command, "reason" + ESCAPES).build(),
                ModelReply.message("answer" + ESCAPES + " end"));
        Process p = terminal("run", "please", "--codex-home", home.toString(), "--cwd", work.toString());
        OutputStream keys = p.getOutputStream();
        StringBuilder screen = new StringBuilder();
        waitFor(p.getInputStream(), screen, "allow?");
        keys.write("o\n".getBytes(StandardCharsets.UTF_8));
        keys.flush();
        waitFor(p.getInputStream(), screen, "[completed");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(screen.toString()).isTrue();
        String s = screen.toString();
        assertThat(p.exitValue()).as(s).isZero();
        assertThat(s).contains("codex asks: /bin/bash -c ").contains("out" + VISIBLE).contains("reason" + VISIBLE)
                .contains("codex> answer" + VISIBLE + " end").contains("completed, exit 0");
        assertThat(s).doesNotContain("\u001b", "\u0007", "\u009b");
    }

    /**
     * "Always" at the terminal: offered only with the rule it writes into CODEX_HOME in front of the
     * user, and then that rule is what codex writes; a session answer writes none.
     */
    @Test
    void inAPseudoTerminalApprovalsShowTheRuleAlwaysWouldWrite() throws Exception {
        Path home = home(h -> h.askForApproval("on-request"));
        model.enqueue(ModelReply.builder().execCommandEscalated("c1", "echo always-test", "why").build(), ModelReply.message("first"));
        Process p = terminal("run", "please", "--codex-home", home.toString(), "--cwd", work.toString());
        StringBuilder screen = new StringBuilder();
        waitFor(p.getInputStream(), screen, "allow?");
        p.getOutputStream().write("s\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().flush();
        waitFor(p.getInputStream(), screen, "[completed");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(screen.toString()).isTrue();
        assertThat(home.resolve("rules")).as("a session answer writes no rule").doesNotExist();

        model.enqueue(ModelReply.builder().execCommandEscalated("c2", "echo always-test", "why").build(), ModelReply.message("second"));
        p = terminal("run", "please", "--codex-home", home.toString(), "--cwd", work.toString());
        screen = new StringBuilder();
        waitFor(p.getInputStream(), screen, "allow?");
        p.getOutputStream().write("a\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().flush();
        waitFor(p.getInputStream(), screen, "[completed");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(screen.toString()).isTrue();
        String s = screen.toString();
        assertThat(p.exitValue()).as(s).isZero();
        String rule = "prefix_rule(pattern=[\"echo\", \"always-test\"], decision=\"allow\")";
        assertThat(s).contains("  always: writes " + rule + " to CODEX_HOME/rules/default.rules: every later session on that"
                + " codex home runs `echo always-test`, with any further arguments, without asking")
                .contains("allow? [o]nce / [s]ession / [a]lways / [d]eny / [c]ancel turn:");
        assertThat(Files.readString(home.resolve("rules/default.rules"))).isEqualTo(rule + "\n");
    }

    /** Whether this process ignores SIGINT ({@code SigIgn} in {@code /proc/self/status}, bit 2); false where that cannot be read. */
    private static boolean sigintIgnoredHere() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 0x2) != 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return false;
        }
        return false;
    }

    /** {@code codex-bridge args…} in a pseudo-terminal ({@code script}), stdout and stderr both on it. */
    private static Process terminal(String... args) throws IOException {
        String cmd = ChildJvm.shellCommand() + " -Dcodexbridge.codexDir=" + System.getProperty("codexbridge.codexDir") + " -cp "
                + ChildJvm.classPath() + " dev.codexbridge.cli.Main " + String.join(" ", args);
        return new ProcessBuilder("script", "-qfec", cmd, "/dev/null").redirectErrorStream(true).start();
    }

    private static void waitFor(InputStream in, StringBuilder screen, String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        byte[] buf = new byte[4096];
        while (!screen.toString().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("did not see \"" + text + "\" on the terminal:\n" + screen);
            }
            if (in.available() > 0) {
                int n = in.read(buf);
                screen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            } else {
                Thread.sleep(20);
            }
        }
    }
}
