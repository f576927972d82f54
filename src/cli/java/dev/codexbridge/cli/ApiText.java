package dev.codexbridge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.Account;
import dev.codexbridge.protocol.CodexThread;
import dev.codexbridge.protocol.GetAccountRateLimitsResponse;
import dev.codexbridge.protocol.GetAccountResponse;
import dev.codexbridge.protocol.Model;
import dev.codexbridge.protocol.RateLimitSnapshot;
import dev.codexbridge.protocol.RateLimitWindow;
import dev.codexbridge.protocol.ReasoningEffortOption;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.ThreadStatus;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.protocol.UserInput;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Text forms of codex's typed results for the {@code threads}, {@code models} and {@code account}
 * commands. Everything that comes from codex passes through {@link #escape}: thread names,
 * previews and messages are model or user text and must not drive the terminal.
 */
final class ApiText {
    /** Longest text shown for a preview or an item before it is cut with "…". */
    static final int SHORT = 100;

    private ApiText() {
    }

    /**
     * {@code text} with every control character made visible ({@link UntrustedText#escape}: C0
     * including newline and tab, so one record stays one line, DEL, C1, format characters such as
     * bidi controls and zero-width ones, the line separators), a backslash doubled where it could
     * read as an escape, so different texts never look the same. Null stays null.
     *
     * <p>This is the one renderer of codex's (model-controlled) text for a terminal: the CLI never
     * writes such text any other way, so an escape sequence in a command, its output, an approval
     * reason or a message cannot retitle, clear, recolour or redraw the user's terminal.
     */
    static String escape(String text) {
        return UntrustedText.escape(text);
    }

    /**
     * Like {@link #escape(String)} but for text shown over several lines (an answer, a message
     * streamed as it comes): newline and tab stay as they are; everything else is escaped.
     */
    static String escapeLines(String text) {
        return UntrustedText.escapeLines(text);
    }

    /**
     * A UTF-16 unit that is escaped ({@link UntrustedText#isControl}), surrogates aside: JSON text
     * is escaped unit by unit, and a surrogate pair (an emoji) stays as it is.
     */
    static boolean isControl(char c) {
        return !Character.isSurrogate(c) && UntrustedText.isControl(c);
    }

    /**
     * Compact JSON made safe for a terminal without changing what it says: the control
     * characters JSON lets stand raw in a string (DEL, C1, the separators and bidi controls)
     * become {@code \}{@code uXXXX} escapes, which a JSON reader decodes to the same text.
     */
    static String json(String compactJson) {
        StringBuilder sb = null;
        for (int i = 0; i < compactJson.length(); i++) {
            char c = compactJson.charAt(i);
            boolean escape = isControl(c);
            if (escape && sb == null) {
                sb = new StringBuilder(compactJson.length() + 16).append(compactJson, 0, i);
            }
            if (sb != null) {
                sb.append(escape ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return sb == null ? compactJson : sb.toString();
    }

    /** {@code text} cut to {@code max} code points (marked with "…"), then escaped; null stays null. */
    static String shorten(String text, int max) {
        if (text == null) {
            return null;
        }
        String cut = text;
        if (text.codePointCount(0, text.length()) > max) {
            cut = text.substring(0, text.offsetByCodePoints(0, max)) + "…";
        }
        return escape(cut);
    }

    /** An ISO-8601 UTC time of a Unix timestamp in seconds, or "-". */
    static String time(Long epochSeconds) {
        return epochSeconds == null ? "-" : Instant.ofEpochSecond(epochSeconds).toString();
    }

    /** An enum constant or tagged variant by the name codex uses on the wire. */
    static String wire(Object value) {
        if (value == null) {
            return "-";
        }
        JsonNode node = Json.tree(value);
        if (node.isTextual()) {
            return escape(node.asText());
        }
        return node.hasNonNull("type") ? escape(node.get("type").asText()) : escape(node.toString());
    }

    // ------------------------------------------------------------------ threads

    /** One line of {@code threads list}: id, last update, then the name or else the preview. */
    static String threadLine(CodexThread t) {
        String title = t.name() != null && !t.name().isBlank() ? shorten(t.name(), SHORT)
                : t.preview() != null && !t.preview().isBlank() ? shorten(t.preview(), SHORT) : "(no preview)";
        return escape(t.id()) + "  " + time(t.updatedAt()) + "  " + title;
    }

    /** The status of a thread, with an active thread's flags. */
    static String status(ThreadStatus s) {
        if (s instanceof ThreadStatus.Active a && a.activeFlags() != null && !a.activeFlags().isEmpty()) {
            return "active (" + a.activeFlags().stream().map(ApiText::wire).collect(Collectors.joining(", ")) + ")";
        }
        return wire(s);
    }

    /** The summary of {@code threads read}; {@code withTurns} adds a line per turn and per item. */
    static List<String> threadSummary(CodexThread t, boolean withTurns) {
        List<Turn> turns = t.turns() == null ? List.of() : t.turns();
        List<String> lines = new ArrayList<>();
        lines.add("thread: " + escape(t.id()));
        lines.add("name: " + (t.name() == null ? "-" : shorten(t.name(), SHORT)));
        lines.add("preview: " + (t.preview() == null || t.preview().isEmpty() ? "-" : shorten(t.preview(), SHORT)));
        lines.add("cwd: " + (t.cwd() == null ? "-" : escape(t.cwd())));
        lines.add("status: " + status(t.status()));
        lines.add("created: " + time(t.createdAt()) + ", updated: " + time(t.updatedAt()));
        if (t.model() != null) {
            lines.add("model: " + escape(t.model()) + (t.modelProvider() == null ? "" : " (" + escape(t.modelProvider()) + ")"));
        }
        if (t.forkedFromId() != null) {
            lines.add("forked from: " + escape(t.forkedFromId()));
        }
        lines.add("turns: " + turns.size());
        if (!turns.isEmpty()) {
            Turn last = turns.get(turns.size() - 1);
            lines.add("last turn: " + escape(last.id()) + " " + turnStatus(last));
        }
        if (withTurns) {
            for (Turn turn : turns) {
                lines.add("turn " + escape(turn.id()) + " " + turnStatus(turn) + ", started " + time(turn.startedAt())
                        + (turn.durationMs() == null ? "" : ", " + turn.durationMs() + " ms"));
                if (turn.items() != null) {
                    for (ThreadItem item : turn.items()) {
                        lines.add("  " + item(item));
                    }
                }
            }
        }
        return lines;
    }

    private static String turnStatus(Turn turn) {
        String s = wire(turn.status());
        return turn.error() != null && turn.error().message() != null ? s + ": " + shorten(turn.error().message(), SHORT) : s;
    }

    /** One line for an item of a turn: its wire type and what it was about. */
    static String item(ThreadItem item) {
        String what = about(item);
        String type = wire(item);
        return what == null || what.isBlank() ? type : type + ": " + shorten(what, SHORT);
    }

    private static String about(ThreadItem item) {
        if (item instanceof ThreadItem.UserMessage m) {
            return m.content() == null ? null : m.content().stream().map(ApiText::input).collect(Collectors.joining(" "));
        } else if (item instanceof ThreadItem.AgentMessage m) {
            return m.text();
        } else if (item instanceof ThreadItem.Plan p) {
            return p.text();
        } else if (item instanceof ThreadItem.Reasoning r) {
            return r.summary() == null ? null : String.join(" ", r.summary());
        } else if (item instanceof ThreadItem.CommandExecution c) {
            return c.command() + " [" + wire(c.status()) + (c.exitCode() == null ? "" : ", exit " + c.exitCode()) + "]";
        } else if (item instanceof ThreadItem.FileChange f) {
            return f.changes() == null ? null
                    : f.changes().stream().map(ch -> wire(ch.kind()) + " " + ch.path()).collect(Collectors.joining(", "))
                    + " [" + wire(f.status()) + "]";
        } else if (item instanceof ThreadItem.McpToolCall m) {
            return m.server() + "." + m.tool() + " [" + wire(m.status()) + "]";
        } else if (item instanceof ThreadItem.DynamicToolCall d) {
            return (d.namespace() == null ? "" : d.namespace() + ".") + d.tool() + " [" + wire(d.status()) + "]";
        } else if (item instanceof ThreadItem.WebSearch w) {
            return w.query();
        } else if (item instanceof ThreadItem.ImageView v) {
            return v.path();
        } else if (item instanceof ThreadItem.FunctionCallOutput o) {
            return o.name();
        }
        return null;
    }

    private static String input(UserInput in) {
        if (in instanceof UserInput.Text t) {
            return t.text();
        } else if (in instanceof UserInput.LocalImage i) {
            return "[image " + i.path() + "]";
        } else if (in instanceof UserInput.Skill sk) {
            return "[skill " + sk.name() + "]";
        } else if (in instanceof UserInput.Mention m) {
            return "[mention " + m.name() + "]";
        }
        return "[" + (in instanceof UserInput.Unknown u ? u.raw().get("type") : in.getClass().getSimpleName()) + "]";
    }

    // ------------------------------------------------------------------- models

    /** One line of {@code models}: a "*" on the default, id (and model when it differs), name, efforts. */
    static String modelLine(Model m) {
        StringBuilder sb = new StringBuilder(Boolean.TRUE.equals(m.isDefault()) ? "* " : "  ");
        sb.append(escape(m.id()));
        if (m.model() != null && !m.model().equals(m.id())) {
            sb.append(" (model ").append(escape(m.model())).append(')');
        }
        if (m.displayName() != null && !m.displayName().equals(m.id())) {
            sb.append("  ").append(shorten(m.displayName(), SHORT));
        }
        List<ReasoningEffortOption> efforts = m.supportedReasoningEfforts();
        if (efforts != null && !efforts.isEmpty()) {
            sb.append("  reasoning: ").append(efforts.stream().map(e -> escape(e.reasoningEffort())).collect(Collectors.joining(", ")));
            if (m.defaultReasoningEffort() != null) {
                sb.append(" (default ").append(escape(m.defaultReasoningEffort())).append(')');
            }
        }
        if (Boolean.TRUE.equals(m.hidden())) {
            sb.append("  [hidden]");
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ account

    /** The account lines of {@code account}: who is signed in, whether OpenAI auth is required, the plan. */
    static List<String> accountLines(GetAccountResponse r) {
        List<String> lines = new ArrayList<>();
        Account a = r.account();
        String who;
        if (a == null) {
            who = "not signed in";
        } else if (a instanceof Account.Chatgpt c) {
            who = "ChatGPT" + (c.email() == null ? "" : " " + escape(c.email()))
                    + (c.workspaceName() == null ? "" : " (workspace " + shorten(c.workspaceName(), SHORT) + ")");
        } else if (a instanceof Account.ApiKey) {
            who = "API key";
        } else if (a instanceof Account.AmazonBedrock) {
            who = "Amazon Bedrock";
        } else if (a instanceof Account.Gcp) {
            who = "Google Cloud";
        } else {
            who = wire(a);
        }
        lines.add("account: " + who);
        lines.add("requires OpenAI auth: " + (r.requiresOpenaiAuth() == null ? "-" : r.requiresOpenaiAuth() ? "yes" : "no"));
        if (a instanceof Account.Chatgpt c && c.planType() != null) {
            lines.add("plan: " + wire(c.planType()));
        }
        return lines;
    }

    /** The rate-limit lines of {@code account}: one per limit and window. */
    static List<String> rateLimitLines(GetAccountRateLimitsResponse r) {
        List<String> lines = new ArrayList<>();
        Map<String, RateLimitSnapshot> byId = r.rateLimitsByLimitId();
        List<RateLimitSnapshot> snapshots = byId != null && !byId.isEmpty() ? List.copyOf(byId.values())
                : r.rateLimits() == null ? List.of() : List.of(r.rateLimits());
        if (snapshots.isEmpty()) {
            lines.add("rate limits: none reported");
            return lines;
        }
        lines.add("rate limits:");
        for (RateLimitSnapshot s : snapshots) {
            String name = s.limitName() != null ? s.limitName() : s.limitId() != null ? s.limitId() : "limit";
            lines.add("  " + shorten(name, SHORT) + (s.planType() == null ? "" : " (plan " + wire(s.planType()) + ")")
                    + (s.rateLimitReachedType() == null ? "" : " reached: " + wire(s.rateLimitReachedType())));
            window(lines, "primary", s.primary());
            window(lines, "secondary", s.secondary());
        }
        return lines;
    }

    private static void window(List<String> lines, String label, RateLimitWindow w) {
        if (w == null) {
            return;
        }
        lines.add("    " + label + ": " + (w.usedPercent() == null ? "?" : w.usedPercent()) + "% used"
                + (w.windowDurationMins() == null ? "" : " of " + w.windowDurationMins() + " min")
                + (w.resetsAt() == null ? "" : ", resets " + time(w.resetsAt())));
    }
}
