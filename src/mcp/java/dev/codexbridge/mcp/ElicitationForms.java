package dev.codexbridge.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ToolRequestUserInputParams;
import dev.codexbridge.protocol.ToolRequestUserInputQuestion;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How one of codex's requests is put to the MCP client, and how the client's answer becomes a
 * decision. Commands and file changes are asked as {@code codex mcp-server} asked them ("Allow
 * Codex to run `cmd` in `cwd`?", "Allow Codex to apply proposed code changes?", an empty form, the
 * {@code codex_*} details), the details under {@code _meta} since an elicitation's params carry
 * only message, schema and {@code _meta}. User-input questions become a form of one string field
 * per question; an MCP server's own elicitation is passed on with its own message and schema.
 */
final class ElicitationForms {
    private ElicitationForms() {
    }

    static McpSchema.ElicitRequest requestFor(ApprovalRequest r, @Nullable Object toolCallId) {
        Map<String, Object> meta = new LinkedHashMap<>();
        Map<String, Object> schema = emptyForm();
        String message;
        switch (r.kind()) {
            case COMMAND, LEGACY_COMMAND -> {
                message = "Allow Codex to run `" + nonNull(r.command(), "a command") + "` in `" + nonNull(r.cwd(), ".") + "`?";
                meta.put("codex_elicitation", "exec-approval");
                r.argv().ifPresent(argv -> meta.put("codex_command", argv));
                putIf(meta, "codex_cwd", r.cwd());
            }
            case FILE_CHANGE, LEGACY_PATCH -> {
                message = "Allow Codex to apply proposed code changes?";
                meta.put("codex_elicitation", "patch-approval");
                putIf(meta, "codex_reason", r.reason());
            }
            case PERMISSIONS -> {
                message = "Allow Codex more permissions? " + r.description();
                meta.put("codex_elicitation", "permissions-approval");
                putIf(meta, "codex_reason", r.reason());
            }
            case MCP_TOOL_CALL -> {
                message = "Allow Codex to call the tool " + r.serverName() + "." + r.toolName() + "?";
                meta.put("codex_elicitation", "mcp-tool-call-approval");
            }
            case USER_INPUT -> {
                message = r.title().isBlank() ? "Codex has questions" : r.title();
                meta.put("codex_elicitation", "user-input");
                schema = questionsForm(r);
            }
            case ELICITATION -> {
                JsonNode p = Json.tree(r.params());
                message = p.path("message").asText(r.description());
                meta.put("codex_elicitation", "mcp-elicitation");
                putIf(meta, "codex_mcp_server", r.serverName());
                JsonNode requested = p.path("requestedSchema");
                if (requested.isObject()) {
                    schema = Json.convert(requested, Map.class);
                }
                if (p.hasNonNull("url")) {
                    meta.put("codex_url", p.path("url").asText());
                    message = message + " (" + p.path("url").asText() + ")";
                }
            }
            default -> {
                message = r.title() + ": " + r.description();
                meta.put("codex_elicitation", "approval");
            }
        }
        if (toolCallId != null) {
            meta.put("codex_mcp_tool_call_id", toolCallId);
        }
        putIf(meta, "codex_event_id", r.itemId());
        putIf(meta, "codex_call_id", r.itemId());
        putIf(meta, "codex_thread_id", r.threadId());
        // shown to a person: what the model or a server wrote (a command, a path, a reason) must not
        // move the cursor, rewrite the line or reorder it (ESC, CR, BEL, bidi), so a terminal shows what is approved
        return McpSchema.ElicitFormRequest.builder(UntrustedText.escape(message), schema).meta(meta).build();
    }

    /**
     * The client's answer as a decision: accept approves once (or as the {@code decision} field
     * says: {@code approved_for_session}, {@code denied}, {@code abort}, the values of
     * {@code codex mcp-server}'s answers), with the form's content; decline denies; cancel cancels.
     */
    static ApprovalDecision decisionOf(McpSchema.ElicitResult result) {
        Map<String, Object> content = result.content();
        String decision = content != null && content.get("decision") instanceof String s ? s : null;
        return switch (result.action()) {
            case ACCEPT -> {
                if ("denied".equals(decision)) {
                    yield ApprovalDecision.deny("the MCP client answered denied");
                } else if ("abort".equals(decision)) {
                    yield ApprovalDecision.cancel();
                } else if ("approved_for_session".equals(decision)) {
                    yield new ApprovalDecision(ApprovalChoice.SESSION, null, "the MCP client approved for the session");
                }
                yield new ApprovalDecision(ApprovalChoice.ONCE, content == null || content.isEmpty() || decision != null ? null
                        : Json.tree(content), "the MCP client accepted");
            }
            case DECLINE -> ApprovalDecision.deny("the MCP client declined");
            case CANCEL -> ApprovalDecision.cancel();
        };
    }

    private static Map<String, Object> questionsForm(ApprovalRequest r) {
        Map<String, Object> properties = new LinkedHashMap<>();
        if (r.params() instanceof ToolRequestUserInputParams p && p.questions() != null) {
            for (ToolRequestUserInputQuestion q : p.questions()) {
                Map<String, Object> field = new LinkedHashMap<>();
                field.put("type", "string");
                field.put("title", UntrustedText.escape(nonNull(q.header(), q.id())));
                field.put("description", UntrustedText.escape(nonNull(q.question(), "")));
                if (q.options() != null && !q.options().isEmpty() && !Boolean.TRUE.equals(q.isOther())) {
                    field.put("enum", q.options().stream().map(o -> o.label()).toList());
                }
                properties.put(q.id(), field);
            }
        }
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", properties);
        schema.put("required", List.copyOf(properties.keySet()));
        return schema;
    }

    private static Map<String, Object> emptyForm() {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", Map.of());
        return schema;
    }

    private static void putIf(Map<String, Object> meta, String key, @Nullable Object value) {
        if (value != null) {
            meta.put(key, value);
        }
    }

    private static String nonNull(@Nullable String s, String otherwise) {
        return s == null ? otherwise : s;
    }
}
