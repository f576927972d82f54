package dev.codexbridge.cli;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.CommandRules;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The servers' own approval policy ({@code a2a}, {@code mcp}): the {@code --allow} list decides
 * first; what it leaves open goes to the remote caller only with {@code --caller-approvals}
 * (decision 0043), else it is declined.
 */
final class HostPolicyOptions {
    @Option(names = "--allow", paramLabel = "PROGRAM", split = ",",
            description = "Programs codex may run without asking when it asks about one simple command of theirs (an allow-list, "
                    + "as CommandRules.allowing); every other command is declined unless --caller-approvals hands it to the caller.")
    List<String> allow = new ArrayList<>();

    @Option(names = "--caller-approvals",
            description = "Let callers answer what --allow does not decide (A2A: as input-required; MCP: by elicitation, when the "
                    + "client declared it; OpenAI: as an mcp_approval_request answered by an mcp_approval_response; the "
                    + "Responses API only): other commands, file changes, permissions, questions. Without it those are declined: "
                    + "a caller holding a token is not the host.")
    boolean callerApprovals;

    ApprovalPolicy policy() {
        ApprovalPolicy.Builder b = ApprovalPolicy.builder();
        if (!allow.isEmpty()) {
            b.commandRules(CommandRules.builder().allowPrograms(allow.toArray(String[]::new)).askHandlerForOthers(true).build());
        }
        return b.build();
    }
}
