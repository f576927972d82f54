package dev.codexbridge.approval.internal;

import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.internal.SafeLogger;
import static dev.codexbridge.approval.internal.ParamText.blankToNull;
import static dev.codexbridge.approval.internal.ParamText.orElse;
import static dev.codexbridge.approval.internal.ParamText.orEmpty;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.json.JsonFormatException;
import dev.codexbridge.protocol.GrantedPermissionProfile;
import dev.codexbridge.protocol.PermissionGrantScope;
import dev.codexbridge.protocol.PermissionsRequestApprovalParams;
import dev.codexbridge.protocol.PermissionsRequestApprovalResponse;
import dev.codexbridge.protocol.RequestPermissionProfile;
import dev.codexbridge.protocol.ServerRequests;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/** The table's entry for {@code item/permissions/requestApproval}: extra file system or network access. */
final class PermissionApprovals {
    private static final Logger LOG = SafeLogger.getLogger(PermissionApprovals.class);

    private PermissionApprovals() {
    }

    static RequestEntry<PermissionsRequestApprovalParams> entry(ApprovalDecider decider, String sessionCwd) {
        return RequestEntry.approval(ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL, decider,
                p -> describe(p, sessionCwd), PermissionApprovals::respond);
    }

    private static ApprovalRequest describe(PermissionsRequestApprovalParams p, String sessionCwd) {
        RequestPermissionProfile perms = p.permissions();
        List<String> wants = new ArrayList<>();
        if (perms != null && perms.fileSystem() != null) {
            orEmpty(perms.fileSystem().read()).forEach(path -> wants.add("read " + path));
            orEmpty(perms.fileSystem().write()).forEach(path -> wants.add("write " + path));
        }
        if (perms != null && perms.network() != null && Boolean.TRUE.equals(perms.network().enabled())) {
            wants.add("network");
        }
        String reason = blankToNull(p.reason());
        String title = wants.isEmpty() ? "extra permissions" : String.join(", ", wants);
        return new ApprovalRequest(ApprovalKind.PERMISSIONS, ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL.method(),
                blankToNull(p.threadId()), blankToNull(p.turnId()), blankToNull(p.itemId()), title,
                "Codex requests " + title + (reason == null ? "" : " — " + reason), null,
                orElse(p.cwd(), sessionCwd), reason, null, null, List.of(), p);
    }

    /** Grants the host's subset (the decision's content) or what was asked; a denial grants nothing. */
    private static PermissionsRequestApprovalResponse respond(PermissionsRequestApprovalParams p, ApprovalDecision d) {
        GrantedPermissionProfile nothing = new GrantedPermissionProfile(null, null);
        if (!d.choice().allows()) {
            return new PermissionsRequestApprovalResponse(nothing, null, null);
        }
        GrantedPermissionProfile granted;
        if (d.content() != null) {
            granted = grantedFrom(d.content(), nothing);
        } else {
            RequestPermissionProfile asked = p.permissions();
            granted = asked == null ? nothing : new GrantedPermissionProfile(asked.fileSystem(), asked.network());
        }
        return new PermissionsRequestApprovalResponse(granted,
                d.choice() == ApprovalChoice.ONCE ? PermissionGrantScope.TURN : PermissionGrantScope.SESSION, null);
    }

    /** A host's content that is not a permission profile grants nothing rather than failing the answer. */
    private static GrantedPermissionProfile grantedFrom(JsonNode content, GrantedPermissionProfile nothing) {
        if (!content.isObject()) {
            return nothing;
        }
        try {
            return Json.convert(content, GrantedPermissionProfile.class);
        } catch (JsonFormatException e) {
            LOG.warn("granted permissions do not fit the schema; granting none: {}", e.getMessage());
            return nothing;
        }
    }
}
