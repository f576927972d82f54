package dev.codexbridge.approval.internal;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.approval.PersistentRule;
import static dev.codexbridge.approval.internal.ParamText.blankToNull;
import static dev.codexbridge.approval.internal.ParamText.orElse;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.internal.ServerRequestBridge.Answer;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.McpServerElicitationAction;
import dev.codexbridge.protocol.McpServerElicitationRequestParams;
import dev.codexbridge.protocol.McpServerElicitationRequestResponse;
import dev.codexbridge.protocol.ServerRequests;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The table's entry for {@code mcpServer/elicitation/request}, which is two requests in one: an
 * MCP tool call codex asks to approve ({@code _meta.codex_approval_kind: "mcp_tool_call"}), decided
 * like any approval, and an elicitation from the MCP server itself (a form or a URL), which goes to
 * the host only for servers it trusts. Any other approval kind is declined without asking.
 */
final class McpElicitations {
    private static final String METHOD = ServerRequests.MCP_SERVER_ELICITATION_REQUEST.method();

    private McpElicitations() {
    }

    static RequestEntry<McpServerElicitationRequestParams> entry(ApprovalDecider decider, String sessionCwd) {
        boolean persists = !decider.policy().alwaysMeansSession();
        return new RequestEntry<>(ServerRequests.MCP_SERVER_ELICITATION_REQUEST, p -> describe(p, sessionCwd, persists),
                p -> answer(p, decider, sessionCwd, persists));
    }

    /**
     * What every elicitation variant has in common. Also read straight from the JSON of a mode
     * this version does not know, so a newer codex's tool-call approvals still reach the policy.
     */
    private record Elicitation(
            @JsonProperty("serverName") String serverName,
            @JsonProperty("threadId") String threadId,
            @JsonProperty("turnId") String turnId,
            @JsonProperty("_meta") JsonNode meta,
            @JsonProperty("message") String message,
            @JsonProperty("mode") String mode) {

        /** A {@code _meta} string, or null. */
        String meta(String key) {
            JsonNode v = meta == null ? null : meta.get(key);
            return v != null && v.isTextual() && !v.asText().isEmpty() ? v.asText() : null;
        }

        List<String> metaList(String key) {
            JsonNode v = meta == null ? null : meta.get(key);
            List<String> out = new ArrayList<>();
            if (v != null && v.isArray()) {
                v.forEach(e -> out.add(e.asText()));
            }
            return out;
        }
    }

    private static Elicitation common(McpServerElicitationRequestParams p) {
        if (p instanceof McpServerElicitationRequestParams.Form f) {
            return new Elicitation(f.serverName(), f.threadId(), f.turnId(), f.meta(), f.message(), f.mode());
        }
        if (p instanceof McpServerElicitationRequestParams.Url u) {
            return new Elicitation(u.serverName(), u.threadId(), u.turnId(), u.meta(), u.message(), u.mode());
        }
        if (p instanceof McpServerElicitationRequestParams.OpenaiForm f) {
            return new Elicitation(f.serverName(), f.threadId(), f.turnId(), f.meta(), f.message(), f.mode());
        }
        if (p instanceof McpServerElicitationRequestParams.OpenaiForm2 f) {
            return new Elicitation(f.serverName(), f.threadId(), f.turnId(), f.meta(), f.message(), f.mode());
        }
        if (p instanceof McpServerElicitationRequestParams.OpenaiUserVerification v) {
            return new Elicitation(v.serverName(), v.threadId(), v.turnId(), v.meta(),
                    v.description() != null ? v.description() : v.title(), v.mode());
        }
        // Unknown, or a variant a newer protocol adds: read from its JSON rather than fail.
        return Json.convert(Json.tree(p), Elicitation.class);
    }

    private static ApprovalRequest describe(McpServerElicitationRequestParams p, String sessionCwd, boolean persists) {
        Elicitation e = common(p);
        String server = blankToNull(e.serverName());
        String message = blankToNull(e.message());
        if ("mcp_tool_call".equals(e.meta("codex_approval_kind"))) {
            String tool = orElse(e.meta("tool_name"), "tool");
            List<String> choices = toolCallChoices(e.metaList("persist"));
            PersistentRule rule = persists && choices.contains("always") && server != null && e.meta("tool_name") != null
                    ? new PersistentRule.McpToolApproval(server, e.meta("tool_name")) : null;
            return new ApprovalRequest(ApprovalKind.MCP_TOOL_CALL, METHOD, blankToNull(e.threadId()), blankToNull(e.turnId()),
                    null, "mcp." + server + "." + tool,
                    message == null ? "Allow the " + server + " MCP server to run tool \"" + tool + "\"?" : message,
                    null, sessionCwd, null, server, tool, choices, p, rule);
        }
        return new ApprovalRequest(ApprovalKind.ELICITATION, METHOD, blankToNull(e.threadId()), blankToNull(e.turnId()),
                null, (server == null ? "MCP server" : server) + ": " + (message == null ? orElse(e.mode(), "request") : message),
                message == null ? "" : message, null, sessionCwd, null, server, null, List.of(), p);
    }

    /**
     * {@code once} and then codex's {@code _meta.persist} options: codex lists only the ways to
     * remember an approval, but a plain {@code accept} approves just this call (the next call of
     * the same tool asks again), so once is always on offer.
     */
    private static List<String> toolCallChoices(List<String> persist) {
        List<String> choices = new ArrayList<>(List.of("once"));
        persist.stream().filter(c -> !choices.contains(c)).forEach(choices::add);
        return choices;
    }

    private static CompletableFuture<Answer> answer(McpServerElicitationRequestParams p, ApprovalDecider decider,
            String sessionCwd, boolean persists) {
        Elicitation e = common(p);
        String approvalKind = e.meta("codex_approval_kind");
        ApprovalRequest request = describe(p, sessionCwd, persists);
        if (request.kind() == ApprovalKind.MCP_TOOL_CALL) {
            boolean persistsAlways = request.persistentRule() != null;
            return decider.decide(request, d -> toolCallResult(d, persistsAlways));
        }
        if (approvalKind != null || !decider.policy().trusts(request.serverName())) {
            // A kind codex has not told us about, or a server the host does not trust: never forward.
            ApprovalDecision d = ApprovalDecision.deny(approvalKind != null
                    ? "unknown approval kind " + approvalKind : "MCP server not trusted");
            return CompletableFuture.completedFuture(new Answer(result(McpServerElicitationAction.DECLINE, null, null),
                    null, request, d));
        }
        boolean url = "url".equals(e.mode());
        return decider.decide(request, d -> switch (d.choice()) {
            case DENY -> result(McpServerElicitationAction.DECLINE, null, null);
            case CANCEL -> result(McpServerElicitationAction.CANCEL, null, null);
            // A URL elicitation is completed out of band: accepting it carries no content.
            default -> result(McpServerElicitationAction.ACCEPT, url ? null
                    : d.content() == null ? Json.object() : d.content(), null);
        });
    }

    /**
     * ONCE is a plain accept (no {@code _meta.persist}); ALWAYS is {@code always} only when the
     * request showed that rule to the host ({@link ApprovalRequest#persistentRule()}), else the session.
     */
    private static McpServerElicitationRequestResponse toolCallResult(ApprovalDecision d, boolean persistsAlways) {
        return switch (d.choice()) {
            case ONCE -> result(McpServerElicitationAction.ACCEPT, Json.object(), null);
            case SESSION -> result(McpServerElicitationAction.ACCEPT, null, Json.object().put("persist", "session"));
            case ALWAYS -> result(McpServerElicitationAction.ACCEPT, null,
                    Json.object().put("persist", persistsAlways ? "always" : "session"));
            case DENY -> result(McpServerElicitationAction.DECLINE, null, null);
            case CANCEL -> result(McpServerElicitationAction.CANCEL, null, null);
        };
    }

    private static McpServerElicitationRequestResponse result(McpServerElicitationAction action, JsonNode content,
            JsonNode meta) {
        return McpServerElicitationRequestResponse.builder().action(action).content(content).meta(meta).build();
    }
}
