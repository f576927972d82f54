package dev.codexbridge.approval.internal;

import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.approval.PersistentRule;
import static dev.codexbridge.approval.internal.ParamText.blankToNull;
import static dev.codexbridge.approval.internal.ParamText.orElse;
import static dev.codexbridge.approval.internal.ParamText.orEmpty;
import static dev.codexbridge.approval.internal.ParamText.wireText;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.CommandAction;
import dev.codexbridge.protocol.CommandExecutionApprovalDecision;
import dev.codexbridge.protocol.CommandExecutionRequestApprovalParams;
import dev.codexbridge.protocol.CommandExecutionRequestApprovalResponse;
import dev.codexbridge.protocol.NetworkApprovalContext;
import dev.codexbridge.protocol.ServerRequests;
import java.util.ArrayList;
import java.util.List;

/** The table's entry for {@code item/commandExecution/requestApproval}: a command, or network access, codex wants. */
final class CommandApprovals {
    private CommandApprovals() {
    }

    static RequestEntry<CommandExecutionRequestApprovalParams> entry(ApprovalDecider decider, String sessionCwd) {
        boolean persists = !decider.policy().alwaysMeansSession();
        return RequestEntry.approval(ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL, decider,
                p -> describe(p, sessionCwd, persists), CommandApprovals::respond);
    }

    private static ApprovalRequest describe(CommandExecutionRequestApprovalParams p, String sessionCwd, boolean persists) {
        String cwd = orElse(p.cwd(), sessionCwd);
        String reason = blankToNull(p.reason());
        String command = blankToNull(p.command());
        NetworkApprovalContext network = p.networkApprovalContext();
        if (command == null && network != null) {
            command = "network access to " + orElse(network.host(), "?") + " ("
                    + (network.protocol() == null ? "?" : wireText(network.protocol())) + ")";
        }
        StringBuilder description = new StringBuilder("Codex requests exec in ").append(cwd == null ? "<unknown>" : cwd);
        if (reason != null) {
            description.append(" — ").append(reason);
        }
        List<String> actions = new ArrayList<>();
        for (CommandAction a : orEmpty(p.commandActions())) {
            String action = describe(a);
            if (action != null) {
                actions.add(action);
            }
        }
        if (!actions.isEmpty()) {
            description.append(" (").append(String.join(", ", actions)).append(')');
        }
        List<String> offered = new ArrayList<>();
        for (CommandExecutionApprovalDecision d : orEmpty(p.availableDecisions())) {
            offered.add(choiceName(d));
        }
        CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment amendment = persists ? offeredAmendment(p) : null;
        return new ApprovalRequest(ApprovalKind.COMMAND, ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL.method(),
                blankToNull(p.threadId()), blankToNull(p.turnId()), blankToNull(p.itemId()),
                command == null ? "command" : command, description.toString(), command, cwd, reason, null, null, offered, p,
                amendment == null ? null : new PersistentRule.CommandPrefix(amendment.acceptWithExecpolicyAmendment().execpolicyAmendment()));
    }

    /**
     * The execpolicy amendment codex offers, or null. One without words is never taken: what an
     * empty prefix would allow cannot be shown to the host.
     */
    private static CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment offeredAmendment(
            CommandExecutionRequestApprovalParams p) {
        for (CommandExecutionApprovalDecision offered : orEmpty(p.availableDecisions())) {
            if (offered instanceof CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment a
                    && a.acceptWithExecpolicyAmendment() != null
                    && !orEmpty(a.acceptWithExecpolicyAmendment().execpolicyAmendment()).isEmpty()) {
                return a;
            }
        }
        return null;
    }

    /** "read a.py", "listFiles src", "search src"; null for actions codex could not parse. */
    private static String describe(CommandAction a) {
        if (a instanceof CommandAction.Read r) {
            return withPath(r.type(), r.path());
        }
        if (a instanceof CommandAction.ListFiles l) {
            return withPath(l.type(), l.path());
        }
        if (a instanceof CommandAction.Search s) {
            return withPath(s.type(), s.path());
        }
        return null;
    }

    private static String withPath(String action, String path) {
        return path == null ? action : action + " " + path;
    }

    /** The name of an offered decision: the string, or the key of a single-key object. */
    private static String choiceName(CommandExecutionApprovalDecision d) {
        JsonNode n = Json.tree(d);
        return n.isTextual() ? n.asText() : n.fieldNames().hasNext() ? n.fieldNames().next() : n.toString();
    }

    /**
     * {@code ALWAYS} answers with the execpolicy amendment codex offered, when it offered one: the
     * rule the request showed as {@link ApprovalRequest#persistentRule()}. (Under the default
     * policy the decider has made an ALWAYS a SESSION before this.) SESSION is
     * {@code acceptForSession}, which codex 0.169 honours though it lists only
     * {@code accept}, {@code acceptWithExecpolicyAmendment} and {@code cancel}.
     */
    private static CommandExecutionRequestApprovalResponse respond(CommandExecutionRequestApprovalParams p, ApprovalDecision d) {
        if (d.choice() == ApprovalChoice.ALWAYS) {
            CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment amendment = offeredAmendment(p);
            if (amendment != null) {
                return new CommandExecutionRequestApprovalResponse(amendment);
            }
        }
        return new CommandExecutionRequestApprovalResponse(switch (d.choice()) {
            case ONCE -> CommandExecutionApprovalDecision.ACCEPT;
            case SESSION, ALWAYS -> CommandExecutionApprovalDecision.ACCEPT_FOR_SESSION;
            case DENY -> CommandExecutionApprovalDecision.DECLINE;
            case CANCEL -> CommandExecutionApprovalDecision.CANCEL;
        });
    }
}
