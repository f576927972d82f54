package dev.codexbridge.approval;

import dev.codexbridge.protocol.CommandAction;
import dev.codexbridge.protocol.CommandExecutionApprovalKind;
import dev.codexbridge.protocol.CommandExecutionRequestApprovalParams;
import dev.codexbridge.protocol.ExecCommandApprovalParams;
import dev.codexbridge.protocol.ServerRequestParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A server request as shown to the host, enriched: a one-line {@code title} (the command, or
 * {@code apply_patch: 1 add, 1 update: a.py, b.py}), a {@code description} to put in a prompt,
 * the cwd (falling back to the session's), and the typed params for anything else
 * ({@code request.params() instanceof CommandExecutionRequestApprovalParams p}, …).
 * {@code choicesOffered} is what codex offers, in codex's words: a command's
 * {@code availableDecisions} ({@code accept}, {@code acceptWithExecpolicyAmendment}, …); for an MCP tool call
 * {@code once} followed by its {@code _meta.persist} options ({@code session}, {@code always});
 * empty where codex offers no list.
 *
 * <p>For a command, {@code command} is the line codex will run, shell wrapper included
 * ({@code /bin/bash -c 'cat notes.txt'}): never match it as text (a {@code startsWith("ls")} never
 * matches, and unwrapping it by hand lets {@code ls; rm x} through). {@link #argv()} is the
 * program and its arguments when the line is one simple command, {@link #commandSteps()} what
 * codex parsed it as, and {@link CommandRules} decides on them.
 *
 * @param persistentRule what an {@link ApprovalChoice#ALWAYS} answer to this request makes codex
 *     write into its home for every later session, or null when it writes nothing: codex offered no
 *     such rule, or the policy gives ALWAYS as SESSION ({@link ApprovalPolicy#alwaysMeansSession()},
 *     the default)
 */
public record ApprovalRequest(
        ApprovalKind kind,
        String method,
        @Nullable String threadId,
        @Nullable String turnId,
        @Nullable String itemId,
        String title,
        String description,
        @Nullable String command,
        @Nullable String cwd,
        @Nullable String reason,
        @Nullable String serverName,
        @Nullable String toolName,
        List<String> choicesOffered,
        ServerRequestParams params,
        @Nullable PersistentRule persistentRule) {

    public ApprovalRequest {
        choicesOffered = choicesOffered == null ? List.of() : List.copyOf(choicesOffered);
    }

    /** A request whose ALWAYS answer writes no rule. */
    public ApprovalRequest(ApprovalKind kind, String method, @Nullable String threadId, @Nullable String turnId,
            @Nullable String itemId, String title, String description, @Nullable String command, @Nullable String cwd,
            @Nullable String reason, @Nullable String serverName, @Nullable String toolName,
            @Nullable List<String> choicesOffered, ServerRequestParams params) {
        this(kind, method, threadId, turnId, itemId, title, description, command, cwd, reason, serverName, toolName,
                choicesOffered, params, null);
    }

    /**
     * What codex parsed the command as, for showing ({@link CommandStep}): {@code cat x} is one
     * {@code READ} step; a compound line is one {@code UNKNOWN} step. Empty for a request that is
     * not a command, and for a legacy command request (which carries no parse).
     */
    public List<CommandStep> commandSteps() {
        if (!(params instanceof CommandExecutionRequestApprovalParams p) || p.commandActions() == null) {
            return List.of();
        }
        List<CommandStep> steps = new ArrayList<>();
        for (CommandAction action : p.commandActions()) {
            if (action != null) {
                steps.add(CommandStep.of(action));
            }
        }
        return List.copyOf(steps);
    }

    /**
     * The program and its arguments, when codex asks to run one simple command: codex's
     * {@code /bin/bash -c 'cat notes.txt'} gives {@code [cat, notes.txt]}. Empty for anything a
     * rule over the words could be walked around by — a list ({@code ls; rm x}, {@code &&},
     * {@code ||}), a pipe, a redirection, a substitution or expansion, a glob, a subshell, a
     * leading assignment, more than one line — and for a request that is not a plain command:
     * network access, input for a running command, extra permissions. {@link #argvRefusal()}
     * says which.
     */
    public Optional<List<String>> argv() {
        return Optional.ofNullable(examineCommand().words());
    }

    /** Why {@link #argv()} is empty (e.g. "a list of commands (;)"), or null when it is not. */
    public @Nullable String argvRefusal() {
        return examineCommand().refusal();
    }

    private ShellWords.Parsed examineCommand() {
        if (params instanceof CommandExecutionRequestApprovalParams p) {
            if (p.kind() != null && p.kind() != CommandExecutionApprovalKind.COMMAND) {
                return ShellWords.Parsed.refused("not a command but " + p.kind().wire());
            }
            if (p.networkApprovalContext() != null) {
                return ShellWords.Parsed.refused("network access");
            }
            if (p.additionalPermissions() != null) {
                return ShellWords.Parsed.refused("a command asking for more permissions");
            }
            return ShellWords.argvOf(p.command());
        }
        if (params instanceof ExecCommandApprovalParams p) {
            return ShellWords.argvOf(p.command());
        }
        return ShellWords.Parsed.refused("not a command request");
    }
}
