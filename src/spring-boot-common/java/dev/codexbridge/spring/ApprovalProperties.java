package dev.codexbridge.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code codex-bridge.approval.*} properties: how sessions answer what codex asks (the
 * ApprovalPolicy bean, unless the application has its own).
 */
public class ApprovalProperties {
    /** Programs run without asking when codex asks about one simple command of theirs (CommandRules). */
    private List<String> allowPrograms = new ArrayList<>();
    /** Whether commands outside allow-programs go to the ApprovalHandler bean (else they are denied). */
    private boolean askHandlerForOthers = true;
    /** Approve every file change codex asks about. */
    private boolean autoApproveFileChanges;
    /** MCP servers whose tool calls are approved unasked. */
    private List<String> trustedMcpServers = new ArrayList<>();
    /** No answer from the handler within this: deny. */
    private Duration deadline = Duration.ofMinutes(5);
    /**
     * Whether remote callers (A2A tasks' input-required, MCP elicitations) answer what the rules
     * and the application's handler leave open. Off: those requests are declined.
     */
    private boolean callerApprovals;

    public boolean isCallerApprovals() {
        return callerApprovals;
    }

    public void setCallerApprovals(boolean callerApprovals) {
        this.callerApprovals = callerApprovals;
    }

    public List<String> getAllowPrograms() {
        return allowPrograms;
    }

    public void setAllowPrograms(List<String> allowPrograms) {
        this.allowPrograms = allowPrograms;
    }

    public boolean isAskHandlerForOthers() {
        return askHandlerForOthers;
    }

    public void setAskHandlerForOthers(boolean askHandlerForOthers) {
        this.askHandlerForOthers = askHandlerForOthers;
    }

    public boolean isAutoApproveFileChanges() {
        return autoApproveFileChanges;
    }

    public void setAutoApproveFileChanges(boolean autoApproveFileChanges) {
        this.autoApproveFileChanges = autoApproveFileChanges;
    }

    public List<String> getTrustedMcpServers() {
        return trustedMcpServers;
    }

    public void setTrustedMcpServers(List<String> trustedMcpServers) {
        this.trustedMcpServers = trustedMcpServers;
    }

    public Duration getDeadline() {
        return deadline;
    }

    public void setDeadline(Duration deadline) {
        this.deadline = deadline;
    }
}
