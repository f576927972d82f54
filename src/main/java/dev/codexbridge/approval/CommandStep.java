package dev.codexbridge.approval;

import dev.codexbridge.protocol.CommandAction;
import org.jspecify.annotations.Nullable;

/**
 * One thing a command does, as codex parsed it for display ({@code commandActions} of
 * {@code item/commandExecution/requestApproval}): {@code cat x} is a {@link Kind#READ} of
 * {@code x}, {@code ls} a {@link Kind#LIST_FILES}, {@code rg foo src} a {@link Kind#SEARCH};
 * anything else, including every compound line ({@code ls; rm x} is one step), is
 * {@link Kind#UNKNOWN}.
 *
 * <p>Codex's parse is best effort and meant for showing, not for deciding: codex 0.169.0 parses
 * {@code find . -name x -delete} as a search. Decide on {@link ApprovalRequest#argv()} (what
 * {@link CommandRules} does), and show steps to the person who decides.
 *
 * @param kind what the step does
 * @param command the part of the command line the step is, as codex split it
 * @param path the file or folder it reads, lists or searches, or null
 * @param query what a search looks for, or null
 */
public record CommandStep(Kind kind, String command, @Nullable String path, @Nullable String query) {

    /** What a step does. */
    public enum Kind {
        /** Reads one file ({@code cat}, {@code head}, {@code sed -n}, …). */
        READ,
        /** Lists files ({@code ls}, {@code rg --files}, …). */
        LIST_FILES,
        /** Searches ({@code rg}, {@code grep}, {@code find}, …). */
        SEARCH,
        /**
         * Anything else: codex could not say what the command does (its {@code "unknown"}
         * action, the generated {@code CommandAction.UnknownValue}), or an action type newer than
         * the pinned codex (the generated {@code CommandAction.Unknown}). One kind for both.
         */
        UNKNOWN
    }

    /** The step for one of codex's parsed actions. */
    public static CommandStep of(CommandAction action) {
        if (action instanceof CommandAction.Read r) {
            return new CommandStep(Kind.READ, r.command(), r.path() != null ? r.path() : r.name(), null);
        }
        if (action instanceof CommandAction.ListFiles l) {
            return new CommandStep(Kind.LIST_FILES, l.command(), l.path(), null);
        }
        if (action instanceof CommandAction.Search s) {
            return new CommandStep(Kind.SEARCH, s.command(), s.path(), s.query());
        }
        if (action instanceof CommandAction.UnknownValue u) {
            return new CommandStep(Kind.UNKNOWN, u.command(), null, null);
        }
        CommandAction.Unknown newer = (CommandAction.Unknown) action;
        String command = newer.raw() == null ? null : newer.raw().path("command").asText(null);
        return new CommandStep(Kind.UNKNOWN, command, null, null);
    }

    /** "read /w/x", "list files", "search a in .", "run rm x": for a prompt. */
    public String describe() {
        String verb = switch (kind) {
            case READ -> "read";
            case LIST_FILES -> "list files";
            case SEARCH -> "search";
            case UNKNOWN -> "run";
        };
        if (kind == Kind.UNKNOWN) {
            return verb + " " + command;
        }
        String what = query != null ? " " + query + (path != null ? " in " + path : "") : path != null ? " " + path : "";
        return verb + what;
    }
}
