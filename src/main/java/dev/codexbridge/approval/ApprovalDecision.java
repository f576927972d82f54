package dev.codexbridge.approval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A host's decision on one {@link ApprovalRequest}. {@code content} carries what some requests
 * need besides yes or no: the form data of an MCP elicitation, the answers to a user-input
 * request ({@code {"questionId": "answer"}} or {@code {"questionId": ["a", "b"]}}), or the subset
 * of permissions granted. {@code note} says why, for logs and the listener.
 */
public record ApprovalDecision(ApprovalChoice choice, JsonNode content, String note) {
    public ApprovalDecision {
        Objects.requireNonNull(choice, "choice");
    }

    public static ApprovalDecision once() {
        return new ApprovalDecision(ApprovalChoice.ONCE, null, null);
    }

    public static ApprovalDecision session() {
        return new ApprovalDecision(ApprovalChoice.SESSION, null, null);
    }

    public static ApprovalDecision always() {
        return new ApprovalDecision(ApprovalChoice.ALWAYS, null, null);
    }

    public static ApprovalDecision deny(@Nullable String note) {
        return new ApprovalDecision(ApprovalChoice.DENY, null, note);
    }

    public static ApprovalDecision cancel() {
        return new ApprovalDecision(ApprovalChoice.CANCEL, null, null);
    }

    /**
     * The host's handler leaves this request to the remote caller of the turn (an A2A or MCP
     * client), where the front end lets callers answer ({@link ApprovalPolicy#withCaller}). Where
     * no caller may answer it is what it carries: a {@link ApprovalChoice#DENY}, so a handler that
     * returns it can never approve anything by accident.
     */
    public static ApprovalDecision leaveToCaller() {
        return new ApprovalDecision(ApprovalChoice.DENY, null, LEFT_TO_CALLER);
    }

    /** Whether this is {@link #leaveToCaller()}. */
    public boolean leftToCaller() {
        return choice == ApprovalChoice.DENY && content == null && LEFT_TO_CALLER.equals(note);
    }

    private static final String LEFT_TO_CALLER = "left to the caller by the host's handler; no caller may answer here";

    /** Allow once, with content (form data, answers, granted permissions). */
    public static ApprovalDecision accept(@Nullable JsonNode content) {
        return new ApprovalDecision(ApprovalChoice.ONCE, content, null);
    }

    /**
     * {@link #accept} with the content as JSON text, e.g. {@code {"questionId": "answer"}}. Malformed
     * text is an {@link IllegalArgumentException}.
     */
    public static ApprovalDecision acceptJson(@Nullable String content) {
        return accept(Json.parseHostJson(content, "approval content", false));
    }

    /** The canonical constructor with the content as JSON text (or null). */
    public static ApprovalDecision ofJson(ApprovalChoice choice, @Nullable String content, @Nullable String note) {
        return new ApprovalDecision(choice, Json.parseHostJson(content, "approval content", false), note);
    }

    /** The content as JSON text, or null when the decision carries none. */
    public @Nullable String contentJson() {
        return Json.textOrNull(content);
    }
}
