package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import java.util.Locale;

/**
 * Codex's server requests as A2A {@code input-required}, and the caller's answer back. The
 * request goes out as a text part (a prompt) and a data part:
 * {@code {"codexRequest": {"requestId", "kind", "method", "title", "description", "command", "cwd",
 * "reason", "serverName", "toolName", "choicesOffered"}, "decisions": [...]}}. The answer is a
 * message in the same task whose data part is {@code {"decision": "accept" | "acceptForSession" |
 * "decline" | "cancel", "content": {...}}} ({@code content}: the answers of a user-input or
 * elicitation request), or whose only text is one of those words.
 */
final class InputRequests {
    static final String ACCEPT = "accept";
    static final String ACCEPT_FOR_SESSION = "acceptForSession";
    static final String DECLINE = "decline";
    static final String CANCEL = "cancel";

    private InputRequests() {
    }

    static String prompt(ApprovalRequest r) {
        return "codex asks (" + r.kind().name().toLowerCase(Locale.ROOT) + "): " + r.title()
                + (r.description().isBlank() || r.description().equals(r.title()) ? "" : " — " + r.description())
                + ". Answer in this task with a data part {\"decision\": \"accept\" | \"acceptForSession\" | \"decline\" | \"cancel\"}.";
    }

    static ObjectNode describe(String requestId, ApprovalRequest r) {
        ObjectNode d = A2aWire.object();
        ObjectNode q = d.putObject("codexRequest").put("requestId", requestId).put("kind", r.kind().name().toLowerCase(Locale.ROOT))
                .put("method", r.method()).put("title", r.title()).put("description", r.description())
                .put("command", r.command()).put("cwd", r.cwd()).put("reason", r.reason())
                .put("serverName", r.serverName()).put("toolName", r.toolName());
        ArrayNode offered = q.putArray("choicesOffered");
        r.choicesOffered().forEach(offered::add);
        d.putArray("decisions").add(ACCEPT).add(ACCEPT_FOR_SESSION).add(DECLINE).add(CANCEL);
        return d;
    }

    /** The caller's answer; anything else is a clear error (the request stays pending). */
    static ApprovalDecision decision(JsonNode message) {
        String word = null;
        JsonNode content = null;
        for (JsonNode p : message.path("parts")) {
            if ("data".equals(p.path("kind").asText()) && p.path("data").has("decision")) {
                word = p.path("data").path("decision").asText();
                content = p.path("data").get("content");
            } else if (word == null && "text".equals(p.path("kind").asText())) {
                word = p.path("text").asText().strip();
            }
        }
        if (word == null) {
            throw A2aError.invalidParams("the task waits for an answer: send a data part {\"decision\": \"accept\"|\"acceptForSession\"|\"decline\"|\"cancel\"}");
        }
        return switch (word) {
            case ACCEPT -> content == null || content.isNull() ? ApprovalDecision.once() : ApprovalDecision.accept(content);
            case ACCEPT_FOR_SESSION -> ApprovalDecision.session();
            case DECLINE -> ApprovalDecision.deny("declined by the A2A caller");
            case CANCEL -> ApprovalDecision.cancel();
            default -> throw A2aError.invalidParams("unknown decision '" + word
                    + "': expected accept, acceptForSession, decline or cancel");
        };
    }
}
