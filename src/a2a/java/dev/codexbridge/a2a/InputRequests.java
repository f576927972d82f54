package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalRequest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Codex's server requests as A2A {@code input-required}, and the caller's answer back. The
 * request goes out as a text part (a prompt) and a data part:
 * {@code {"codexRequest": {"requestId", "kind", "method", "title", "description", "command", "cwd",
 * "reason", "serverName", "toolName", "choicesOffered"}, "decisions": [...]}}.
 *
 * <p>The answer is a message in the same task. A data part {@code {"decision": "accept" |
 * "acceptForSession" | "decline" | "cancel", "content": {...}}} decides (any case; {@code content}:
 * the answers of a user-input or elicitation request) and wins over text beside it; a decision
 * not among those is an error. Otherwise the message's text, as a generic A2A client sends it, is
 * read by {@link #WORDS}: the whole text, any case, without surrounding spaces, quotes and a
 * closing {@code .} or {@code !}, must be one of the words. Any other text (or a data part without
 * a decision) answers nothing: the task stays {@code input-required} and its status says which
 * words are understood. File parts are refused ({@code ContentTypeNotSupportedError}).
 */
final class InputRequests {
    static final String ACCEPT = "accept";
    static final String ACCEPT_FOR_SESSION = "acceptForSession";
    static final String DECLINE = "decline";
    static final String CANCEL = "cancel";

    /** The free-text answers understood, each the decision it makes. */
    static final Map<String, List<String>> WORDS = Map.of(
            ACCEPT, List.of("yes", "y", "approve", "approved", "accept", "allow", "ok", "okay"),
            ACCEPT_FOR_SESSION, List.of("acceptforsession", "always", "approve for session"),
            DECLINE, List.of("no", "n", "decline", "deny", "reject"),
            CANCEL, List.of("cancel", "stop", "abort"));

    private InputRequests() {
    }

    static String prompt(ApprovalRequest r) {
        return "codex asks (" + r.kind().name().toLowerCase(Locale.ROOT) + "): " + r.title()
                + (r.description().isBlank() || r.description().equals(r.title()) ? "" : " — " + r.description())
                + ". " + rule();
    }

    /** The rule as told to the caller. */
    static String rule() {
        return "Answer in this task: yes, approve, accept, allow or ok to approve; always to approve for this session; "
                + "no, decline, deny or reject to decline; cancel, stop or abort to cancel the turn (any case), "
                + "or a data part {\"decision\": \"accept\" | \"acceptForSession\" | \"decline\" | \"cancel\"}.";
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

    /**
     * The caller's answer, or null when the message answers nothing (text that is none of the
     * {@link #WORDS}, or no text and no decision). A data part with an unknown decision is an
     * error, as is a file part.
     */
    static @Nullable ApprovalDecision decision(JsonNode message) {
        StringBuilder text = new StringBuilder();
        for (JsonNode p : message.path("parts")) {
            String kind = p.path("kind").asText();
            if ("data".equals(kind) && p.path("data").has("decision")) {
                return structured(p.path("data"));
            }
            if ("text".equals(kind)) {
                text.append(text.length() == 0 ? "" : " ").append(p.path("text").asText());
            } else if ("file".equals(kind)) {
                throw new A2aError(A2aError.CONTENT_TYPE_NOT_SUPPORTED, "file parts are not supported: " + rule(), Map.of("partKind", "file"));
            }
        }
        String said = normalize(text.toString());
        for (Map.Entry<String, List<String>> w : WORDS.entrySet()) {
            if (w.getValue().contains(said)) {
                return of(w.getKey(), null);
            }
        }
        return null;
    }

    private static ApprovalDecision structured(JsonNode data) {
        String word = data.path("decision").asText();
        for (String d : List.of(ACCEPT, ACCEPT_FOR_SESSION, DECLINE, CANCEL)) {
            if (d.equalsIgnoreCase(word)) {
                return of(d, data.get("content"));
            }
        }
        throw A2aError.invalidParams("unknown decision '" + word + "': expected accept, acceptForSession, decline or cancel");
    }

    private static ApprovalDecision of(String decision, @Nullable JsonNode content) {
        return switch (decision) {
            case ACCEPT -> content == null || content.isNull() ? ApprovalDecision.once() : ApprovalDecision.accept(content);
            case ACCEPT_FOR_SESSION -> ApprovalDecision.session();
            case DECLINE -> ApprovalDecision.deny("declined by the A2A caller");
            default -> ApprovalDecision.cancel();
        };
    }

    /** The text as compared: any case, no surrounding spaces or quotes, no closing full stop or exclamation mark, single spaces. */
    static String normalize(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        s = s.replaceAll("^[\"'`]+|[\"'`]+$", "").strip();
        return s.replaceAll("[.!]+$", "").strip();
    }

    /** Why a message to task {@code taskId}, running in {@code state} without waiting for the caller, is refused. */
    static String notWaiting(String taskId, String state) {
        return "task " + taskId + " is " + state + ", not waiting for an answer; a message to a task answers its input-required request";
    }

    /** What the task's status says to an answer it did not understand. */
    static String notUnderstood(String said) {
        String shown = said.length() > 80 ? said.substring(0, 80) + "…" : said;
        return (shown.isBlank() ? "That message answered nothing" : "\"" + shown + "\" is not an answer this agent understands")
                + "; codex's request still waits. " + rule();
    }
}
