package dev.codexbridge.readme;

// docs/session.md#command-rules:BEGIN
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.approval.CommandRules;
import dev.codexbridge.approval.CommandStep;
import java.util.List;
import java.util.stream.Collectors;

/** Reading commands run unasked; every other command is denied, and the user decides the rest. */
final class CommandAllowList {
    static ApprovalPolicy policy(ApprovalHandler user) {
        CommandRules rules = CommandRules.builder()
                .allowPrograms("ls", "cat", "head", "wc")                     // any arguments
                .allowProgram("git", args -> args.equals(List.of("status")))  // only `git status`
                .build();                                                     // anything else: denied, with the reason
        return ApprovalPolicy.builder()
                .commandRules(rules)                                          // before the handler
                .handler(user)                                                // patches, MCP tools, questions
                .build();
    }

    /** For a prompt: what codex parsed the command as, e.g. "read /w/notes.txt" (never for deciding). */
    static String shown(ApprovalRequest request) {
        return request.commandSteps().stream().map(CommandStep::describe).collect(Collectors.joining(", "));
    }
}
// docs/session.md#command-rules:END
