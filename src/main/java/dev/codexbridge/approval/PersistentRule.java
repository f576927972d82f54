package dev.codexbridge.approval;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A rule an {@link ApprovalChoice#ALWAYS} answer makes codex write into its home
 * ({@code CODEX_HOME}), shown to the host before it answers ({@link ApprovalRequest#persistentRule()}).
 * Codex reads the rule in every later session and every other codex process on that home, and
 * runs what it matches without asking: no handler, of this host or any other, sees those calls
 * again. Removing it means editing {@link #file()}. Measured on codex 0.169 in
 * {@code AlwaysApprovalLiveTest}.
 */
public sealed interface PersistentRule {

    /** Where codex writes the rule, relative to its home ({@code CODEX_HOME}). */
    String file();

    /** The rule as codex writes it into {@link #file()}. */
    String text();

    /** One line for a prompt: what is written where, and what it then lets through. */
    String summary();

    /**
     * An execpolicy prefix rule ({@code acceptWithExecpolicyAmendment}): every command whose
     * argument list starts with {@code pattern} is allowed, with any further arguments
     * ({@code ["echo", "x"]} also allows {@code echo x --and-more}).
     *
     * @param pattern the leading words a command must have; never empty
     */
    record CommandPrefix(List<String> pattern) implements PersistentRule {
        public CommandPrefix {
            pattern = List.copyOf(pattern);
            if (pattern.isEmpty()) {
                throw new IllegalArgumentException("a prefix rule needs at least one word");
            }
        }

        /** {@code rules/default.rules}. */
        @Override
        public String file() {
            return "rules/default.rules";
        }

        /** {@code prefix_rule(pattern=["echo", "x"], decision="allow")}, one line, as codex 0.169 writes it. */
        @Override
        public String text() {
            return pattern.stream().map(CommandPrefix::quoted).collect(Collectors.joining(", ", "prefix_rule(pattern=[", "], decision=\"allow\")"));
        }

        @Override
        public String summary() {
            return "writes " + text() + " to CODEX_HOME/" + file() + ": every later session on that codex home runs `"
                    + String.join(" ", pattern) + "`, with any further arguments, without asking";
        }

        /**
         * A string as codex writes it (JSON's escapes): quotes and backslashes escaped, the short
         * forms for tab, newline and the like, other control characters as {@code \}{@code u00xx}.
         */
        private static String quoted(String s) {
            StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    case '\b' -> sb.append("\\b");
                    case '\f' -> sb.append("\\f");
                    default -> {
                        if (c < 0x20) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            return sb.append('"').toString();
        }
    }

    /**
     * An MCP tool approved for good ({@code _meta.persist: "always"}): codex sets the tool's
     * {@code approval_mode = "approve"} in {@code config.toml}, so every call of that tool, with
     * any arguments, runs without asking.
     */
    record McpToolApproval(String serverName, String toolName) implements PersistentRule {
        public McpToolApproval {
            Objects.requireNonNull(serverName, "serverName");
            Objects.requireNonNull(toolName, "toolName");
        }

        /** {@code config.toml}. */
        @Override
        public String file() {
            return "config.toml";
        }

        /** The table and the line codex adds (names shown unquoted; codex quotes those TOML needs quoted). */
        @Override
        public String text() {
            return "[mcp_servers." + serverName + ".tools." + toolName + "]\napproval_mode = \"approve\"";
        }

        @Override
        public String summary() {
            return "sets approval_mode = \"approve\" for tool " + toolName + " of MCP server " + serverName + " in CODEX_HOME/"
                    + file() + ": every later session on that codex home runs it, with any arguments, without asking";
        }
    }
}
