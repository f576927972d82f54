package dev.codexbridge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.Account;
import dev.codexbridge.protocol.CodexThread;
import dev.codexbridge.protocol.GetAccountRateLimitsResponse;
import dev.codexbridge.protocol.GetAccountResponse;
import dev.codexbridge.protocol.Model;
import dev.codexbridge.protocol.PlanType;
import dev.codexbridge.protocol.RateLimitSnapshot;
import dev.codexbridge.protocol.RateLimitWindow;
import dev.codexbridge.protocol.ReasoningEffortOption;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.ThreadStatus;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.protocol.TurnStatus;
import dev.codexbridge.support.CliRun;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiTextTest {
    @Test
    void everyControlCharacterIsMadeVisible() {
        for (char c = 0; c < 0x20; c++) {
            assertThat(ApiText.escape("a" + c + "b")).as("U+%04X", (int) c).hasSize(c == '\n' || c == '\r' || c == '\t' ? 4 : 8)
                    .startsWith("a\\").endsWith("b");
        }
        assertThat(ApiText.escape("\u001b[31mred\u001b[0m")).isEqualTo("\\u001b[31mred\\u001b[0m");
        assertThat(ApiText.escape("bell\u0007 nul\u0000 del\u007f")).isEqualTo("bell\\u0007 nul\\u0000 del\\u007f");
        assertThat(ApiText.escape("line\r\nnext\ttab")).isEqualTo("line\\r\\nnext\\ttab");
        assertThat(ApiText.escape("csi\u009b1m nel\u0085 \u0080\u009f")).isEqualTo("csi\\u009b1m nel\\u0085 \\u0080\\u009f");
        assertThat(ApiText.escape("ls\u2028ps\u2029")).isEqualTo("ls\\u2028ps\\u2029");
        assertThat(ApiText.escape("\u202eevil\u202c \u2066iso\u2069 \u200fmark"))
                .isEqualTo("\\u202eevil\\u202c \\u2066iso\\u2069 \\u200fmark");
    }

    @Test
    void printableTextIsUnchanged() {
        String text = "plain ASCII, café, 日本語, emoji \uD83D\uDE00, backslash \\ and quotes \" '";
        assertThat(ApiText.escape(text)).isSameAs(text);
        assertThat(ApiText.escape("")).isEmpty();
        assertThat(ApiText.escape(null)).isNull();
        for (String s : List.of("a", "\u00a0", "\u00ff", "\uFFFD")) {
            assertThat(ApiText.escape(s)).isEqualTo(s);
        }
        // invisible format characters are shown: a zero-width space could hide where a name differs
        assertThat(ApiText.escape("zero\u200bwidth")).isEqualTo("zero\\u200bwidth");
    }

    @Test
    void aBackslashIsDoubledOnlyWhereItCouldReadAsAnEscape() {
        assertThat(ApiText.escape("C:\\Program Files\\x \\d+")).isEqualTo("C:\\Program Files\\x \\d+");
        // the text "\n" and a newline must not look the same
        assertThat(ApiText.escape("\\n")).isEqualTo("\\\\n");
        assertThat(ApiText.escape("\n")).isEqualTo("\\n");
        assertThat(ApiText.escape("\\u001b")).isEqualTo("\\\\u001b");
        assertThat(ApiText.escape("\\\u001b")).isEqualTo("\\\\\\u001b");
        assertThat(ApiText.escape("\\\\")).isEqualTo("\\\\\\\\");
        // a trailing backslash is doubled, so pieces escaped one by one read as the whole
        assertThat(ApiText.escape("end\\")).isEqualTo("end\\\\");
        assertThat(ApiText.escape("a\\") + ApiText.escape("n")).isEqualTo("a\\\\n");
    }

    @Test
    void multiLineTextKeepsNewlinesAndTabsOnly() {
        assertThat(ApiText.escapeLines("one\n\ttwo")).isEqualTo("one\n\ttwo");
        assertThat(ApiText.escapeLines("a\r\nb\u001b]0;t\u0007\u001b[2J\u001b[31m"))
                .isEqualTo("a\\r\nb\\u001b]0;t\\u0007\\u001b[2J\\u001b[31m");
        assertThat(ApiText.escapeLines("\\\n")).isEqualTo("\\\n");
        assertThat(ApiText.escapeLines(null)).isNull();
    }

    @Test
    void jsonForATerminalDecodesToTheSameText() {
        String text = "esc\u001b bel\u0007 del\u007f csi\u009b rlo\u202e ls\u2028 back\\slash \"q\" é";
        String json = Json.write(java.util.Map.of("t", text));
        String safe = ApiText.json(json);
        assertThat(safe.chars().noneMatch(c -> ApiText.isControl((char) c))).as(safe).isTrue();
        assertThat(Json.parse(safe).path("t").asText()).isEqualTo(text);
        assertThat(ApiText.json("{\"a\":\"plain\"}")).isEqualTo("{\"a\":\"plain\"}");
    }

    @Test
    void streamedJsonIsTheSameTextAsJsonOfTheWrittenValue() {
        String text = "esc\u001b bel\u0007 del\u007f csi\u009b rlo\u202e ls\u2028 lrm\u200e back\\slash \"q\" é \uD83D\uDE00 "
                + "x".repeat(9_000);
        java.util.Map<String, Object> value = new java.util.LinkedHashMap<>();
        value.put("t\u0085key", text);
        value.put("list", java.util.List.of(text, 1, java.util.Map.of("n", "\u2066")));
        // long strings that are plain ASCII but for one character, which each sends back to the escaping path
        String plain = "plain ascii text, ".repeat(8);
        value.put("plain", plain);
        value.put("almost", java.util.Arrays.stream(new String[] {"\"", "\\", "\u007f", "\u0000", "\n", "?", "é", "\u009b", "\u2028", "\uD83D\uDE00"})
                .map(c -> plain + c + plain).toList());
        String expected = ApiText.json(Json.write(value)) + System.lineSeparator();
        // both paths: UTF-8 bytes from the generator, and characters through the stream's own encoder
        for (boolean utf8 : new boolean[] {true, false}) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            java.io.PrintStream out = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
            try (TerminalJson.Output o = TerminalJson.open(out, utf8)) {
                o.value(value);
            }
            out.println();
            String streamed = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
            // compared without the filler, so a difference shows where it is
            assertThat(streamed.replace("x".repeat(9_000), "x…")).as("utf8 %s", utf8)
                    .isEqualTo(expected.replace("x".repeat(9_000), "x…"));
        }
    }

    @Test
    void shortenCutsByCodePointsBeforeEscaping() {
        assertThat(ApiText.shorten("abcdef", 3)).isEqualTo("abc…");
        assertThat(ApiText.shorten("abc", 3)).isEqualTo("abc");
        assertThat(ApiText.shorten("\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00", 2)).isEqualTo("\uD83D\uDE00\uD83D\uDE00…");
        // an escape is never cut in half
        assertThat(ApiText.shorten("\u001b\u001b\u001b", 2)).isEqualTo("\\u001b\\u001b…");
    }

    @Test
    void threadLinesAndSummaryEscapeCodexText() {
        CodexThread t = CodexThread.builder().id("t-1").updatedAt(0L).createdAt(0L).preview("hi\u001b]0;pwned\u0007\nthere").cwd("/w")
                .status(new ThreadStatus.Idle()).build();
        assertThat(ApiText.threadLine(t)).isEqualTo("t-1  1970-01-01T00:00:00Z  hi\\u001b]0;pwned\\u0007\\nthere");
        assertThat(ApiText.threadLine(t.toBuilder().name("named\u0007").build())).endsWith("  named\\u0007");
        assertThat(ApiText.threadLine(t.toBuilder().preview("").updatedAt(null).build())).isEqualTo("t-1  -  (no preview)");

        Turn turn = Turn.builder().id("turn-1").status(TurnStatus.COMPLETED).startedAt(60L).durationMs(5L).items(List.of(
                Json.convert(Json.parse("{\"type\":\"userMessage\",\"id\":\"u\",\"content\":[{\"type\":\"text\",\"text\":\"q\\u001b\"}]}"),
                        ThreadItem.class),
                ThreadItem.AgentMessage.builder().id("a").text("answer\u009b").build(),
                Json.convert(Json.parse("{\"type\":\"somethingNew\",\"id\":\"x\"}"), ThreadItem.class))).build();
        List<String> summary = ApiText.threadSummary(t.toBuilder().turns(List.of(turn)).build(), true);
        assertThat(summary).containsExactly(
                "thread: t-1",
                "name: -",
                "preview: hi\\u001b]0;pwned\\u0007\\nthere",
                "cwd: /w",
                "status: idle",
                "created: 1970-01-01T00:00:00Z, updated: 1970-01-01T00:00:00Z",
                "turns: 1",
                "last turn: turn-1 completed",
                "turn turn-1 completed, started 1970-01-01T00:01:00Z, 5 ms",
                "  userMessage: q\\u001b",
                "  agentMessage: answer\\u009b",
                "  somethingNew");
        assertThat(ApiText.threadSummary(t, false)).contains("turns: 0").noneMatch(l -> l.startsWith("last turn"));
    }

    @Test
    void modelLineMarksTheDefault() {
        Model m = Model.builder().id("gpt-x").model("gpt-x").displayName("GPT X").isDefault(true).defaultReasoningEffort("medium")
                .supportedReasoningEfforts(List.of(new ReasoningEffortOption("", "low"), new ReasoningEffortOption("", "medium")))
                .build();
        assertThat(ApiText.modelLine(m)).isEqualTo("* gpt-x  GPT X  reasoning: low, medium (default medium)");
        assertThat(ApiText.modelLine(m.toBuilder().isDefault(false).hidden(true).supportedReasoningEfforts(null).build()))
                .isEqualTo("  gpt-x  GPT X  [hidden]");
    }

    @Test
    void accountAndRateLimitLines() {
        GetAccountResponse none = GetAccountResponse.builder().requiresOpenaiAuth(true).build();
        assertThat(ApiText.accountLines(none)).containsExactly("account: not signed in", "requires OpenAI auth: yes");
        GetAccountResponse chatgpt = GetAccountResponse.builder().requiresOpenaiAuth(true)
                .account(Account.Chatgpt.builder().email("me@example.com").planType(PlanType.PRO).build()).build();
        assertThat(ApiText.accountLines(chatgpt)).containsExactly("account: ChatGPT me@example.com", "requires OpenAI auth: yes", "plan: pro");

        RateLimitSnapshot s = RateLimitSnapshot.builder().limitId("codex").primary(new RateLimitWindow(0L, 42, 300L)).build();
        GetAccountRateLimitsResponse limits = GetAccountRateLimitsResponse.builder().rateLimits(s).rateLimitsByLimitId(Map.of("codex", s))
                .build();
        assertThat(ApiText.rateLimitLines(limits))
                .containsExactly("rate limits:", "  codex", "    primary: 42% used of 300 min, resets 1970-01-01T00:00:00Z");
        assertThat(ApiText.rateLimitLines(GetAccountRateLimitsResponse.builder().build())).containsExactly("rate limits: none reported");
    }

    /** Every command the CLI has, read from its list; the launcher's own runs are {@code LauncherLiveTest}'s. */
    @Test
    void everyCommandHasHelp() {
        List<String> names = Main.SUBCOMMANDS.stream().filter(c -> c != picocli.CommandLine.HelpCommand.class)
                .map(c -> c.getAnnotation(picocli.CommandLine.Command.class).name()).toList();
        assertThat(names).contains("run", "demo", "a2a", "mcp", "openai");
        for (String name : names) {
            String[] r = CliRun.run(name, "--help");
            assertThat(r[0]).as(name + ": " + r[2]).isEqualTo("0");
            assertThat(r[1]).as(name).startsWith("Usage: codex-bridge " + name);
        }
    }

    @Test
    void everyNewCommandHasHelp() {
        for (String[] cmd : List.of(new String[] {"threads"}, new String[] {"threads", "list"}, new String[] {"threads", "read"},
                new String[] {"threads", "fork"}, new String[] {"threads", "archive"}, new String[] {"threads", "unarchive"},
                new String[] {"models"}, new String[] {"account"})) {
            String name = String.join(" ", cmd);
            String[] args = java.util.Arrays.copyOf(cmd, cmd.length + 1);
            args[cmd.length] = "--help";
            String[] r = CliRun.run(args);
            assertThat(r[0]).as(name).isEqualTo("0");
            assertThat(r[1]).as(name).startsWith("Usage: codex-bridge " + name)
                    .contains(name.equals("threads") ? "unarchive" : "--codex-home");
        }
    }
}
