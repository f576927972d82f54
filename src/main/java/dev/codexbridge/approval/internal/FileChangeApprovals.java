package dev.codexbridge.approval.internal;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalRequest;
import static dev.codexbridge.approval.internal.ParamText.blankToNull;
import static dev.codexbridge.approval.internal.ParamText.present;

import dev.codexbridge.protocol.FileChangeApprovalDecision;
import dev.codexbridge.protocol.FileChangeRequestApprovalParams;
import dev.codexbridge.protocol.FileChangeRequestApprovalResponse;
import dev.codexbridge.protocol.FileChanges;
import dev.codexbridge.protocol.ItemCompletedNotification;
import dev.codexbridge.protocol.ItemStartedNotification;
import dev.codexbridge.protocol.ServerNotification;
import dev.codexbridge.protocol.ServerRequests;
import dev.codexbridge.protocol.ThreadItem;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The table's entry for {@code item/fileChange/requestApproval}. The request carries no changes,
 * so this keeps what each file-change item would change from its {@code item/started} until its
 * {@code item/completed}. Thread-safe.
 */
final class FileChangeApprovals {
    /** fileChange item id → change summary. */
    private final ConcurrentHashMap<String, String> summaries = new ConcurrentHashMap<>();
    private final String sessionCwd;

    FileChangeApprovals(String sessionCwd) {
        this.sessionCwd = sessionCwd;
    }

    RequestEntry<FileChangeRequestApprovalParams> entry(ApprovalDecider decider) {
        return RequestEntry.approval(ServerRequests.ITEM_FILE_CHANGE_REQUEST_APPROVAL, decider, this::describe,
                (p, d) -> new FileChangeRequestApprovalResponse(decision(d)));
    }

    void observe(ServerNotification notification) {
        if (notification instanceof ItemStartedNotification started
                && started.item() instanceof ThreadItem.FileChange change && present(change.id())) {
            summaries.put(change.id(), FileChanges.summary(change.changes()));
        } else if (notification instanceof ItemCompletedNotification completed
                && completed.item() instanceof ThreadItem.FileChange change && present(change.id())) {
            summaries.remove(change.id());
        }
    }

    private ApprovalRequest describe(FileChangeRequestApprovalParams p) {
        String itemId = blankToNull(p.itemId());
        String summary = itemId == null ? null : summaries.get(itemId);
        String reason = blankToNull(p.reason());
        String grantRoot = blankToNull(p.grantRoot());
        List<String> parts = new ArrayList<>();
        if (reason != null) {
            parts.add(reason);
        }
        if (summary != null) {
            parts.add(summary);
        }
        if (grantRoot != null) {
            parts.add("grants write to " + grantRoot);
        }
        String description = parts.isEmpty() ? "Codex requests to apply a patch" : String.join("; ", parts);
        String title = summary != null ? "apply_patch: " + summary : reason != null ? "apply_patch: " + reason : "apply_patch";
        return new ApprovalRequest(ApprovalKind.FILE_CHANGE, ServerRequests.ITEM_FILE_CHANGE_REQUEST_APPROVAL.method(),
                blankToNull(p.threadId()), blankToNull(p.turnId()), itemId, title, description, null, sessionCwd, reason,
                null, null, List.of(), p);
    }

    private static FileChangeApprovalDecision decision(ApprovalDecision d) {
        return switch (d.choice()) {
            case ONCE -> FileChangeApprovalDecision.ACCEPT;
            case SESSION, ALWAYS -> FileChangeApprovalDecision.ACCEPT_FOR_SESSION;
            case DENY -> FileChangeApprovalDecision.DECLINE;
            case CANCEL -> FileChangeApprovalDecision.CANCEL;
        };
    }
}
