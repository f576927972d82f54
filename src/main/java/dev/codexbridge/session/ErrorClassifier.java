package dev.codexbridge.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.protocol.CodexErrorInfo;
import dev.codexbridge.protocol.TurnError;
import dev.codexbridge.json.Json;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Sorts failures into {@link ErrorCategory}s from codex's {@code codexErrorInfo}, the message and
 * the stderr tail, and digs the real message out of the JSON envelope codex sometimes passes on
 * from the model API ({@code {"error": {"message": ...}}}).
 *
 * <p>Codex's structured error decides whenever it names a category. The text is read only
 * without one, and never inside ids, paths, URLs or numbers: a thread id or a file name that
 * happens to hold {@code 429} or the word {@code sandbox} says nothing about the failure, so those
 * are blanked before the hints are looked for, and an HTTP status counts only where the text says
 * it is one ({@code 429 Too Many Requests}, {@code status 429}, {@code HTTP 429}).
 */
final class ErrorClassifier {
    private static final List<String> AUTH_HINTS = List.of("invalid_grant", "invalid grant", "refresh token", "refresh_token",
            "token refresh", "token has expired", "expired_token", "expired token", "not authenticated", "unauthenticated",
            "401 unauthorized", "re-authenticate", "reauthenticate", "please log in", "please login", "not logged in",
            "missing environment variable");
    /** Ids (uuid-like, or any word that mixes digits and dashes), URLs and paths: never read for hints. */
    private static final Pattern OPAQUE = Pattern.compile(
            "[a-z][a-z0-9+.-]*://\\S+"                                      // URLs
            + "|(?<![\\w.])(?:~|\\.{1,2})?(?:[/\\\\][^\\s/\\\\'\"`,;()]+)+[/\\\\]?"   // paths
            + "|[a-z]:\\\\\\S*"                                           // Windows paths
            + "|\\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\\b"          // uuids
            + "|\\b(?=[\\w-]*\\d)(?=[\\w-]*[-_])[\\w]+(?:[-_][\\w]+)+\\b");  // ids: words of digits, letters, dashes
    /** The rate-limit HTTP status, only where the text says it is a status. */
    private static final Pattern TOO_MANY_REQUESTS = Pattern.compile(
            "\\btoo many requests\\b"
            + "|\\b(?:http(?:/\\d(?:\\.\\d)?)?|status(?: code)?|status_code|statuscode)\\s*[:=]?\\s*429\\b"
            + "|(?<![\\w.-])429(?=\\s*[:(]?\\s*(?:too many|rate limit))");
    private static final List<String> MODEL_HINTS = List.of("model_not_found", "model not found", "does not exist",
            "not supported when using codex", "do not have access to model", "model is not supported");

    private ErrorClassifier() {
    }

    public static TurnFailure classify(String rawMessage, CodexErrorInfo codexErrorInfo, List<String> stderrTail) {
        String message = unwrap(rawMessage);
        ErrorCategory category = fromInfo(codexErrorInfo);
        if (category == null) {
            category = fromText(message);
        }
        // codex's stderr always carries start-up warnings (bubblewrap, model metadata); only a
        // login failure there is telling, as the reference's classifier found.
        if (category == ErrorCategory.OTHER && stderrTail != null && hasAuthHint(readable(String.join("\n", stderrTail)))) {
            category = ErrorCategory.AUTHENTICATION;
        }
        return TurnFailure.of(message, category, codexErrorInfo == null ? null : Json.tree(codexErrorInfo));
    }

    /** The human message inside {@code {"error":{"message":...}}} / {@code {"message":...}} / {@code {"detail":...}}, else the text itself. */
    public static String unwrap(String message) {
        if (message == null || message.isBlank()) {
            return "codex reported a failure without a message";
        }
        String s = message.strip();
        int brace = s.indexOf('{');
        if (brace >= 0 && s.endsWith("}")) {
            try {
                JsonNode n = Json.parse(s.substring(brace));
                for (JsonNode candidate : List.of(n.at("/error/message"), n.at("/message"), n.at("/detail"), n.at("/error"))) {
                    if (candidate.isTextual() && !candidate.asText().isBlank()) {
                        String prefix = s.substring(0, brace).strip();
                        return prefix.isEmpty() ? candidate.asText() : prefix + " " + candidate.asText();
                    }
                }
            } catch (RuntimeException notJson) {
                // keep the text as it is
            }
        }
        return s;
    }

    private static ErrorCategory fromInfo(CodexErrorInfo info) {
        if (info instanceof CodexErrorInfo.Unauthorized) {
            return ErrorCategory.AUTHENTICATION;
        }
        if (info instanceof CodexErrorInfo.ModelNotFound) {
            return ErrorCategory.MODEL_UNAVAILABLE;
        }
        if (info instanceof CodexErrorInfo.ContextWindowExceeded) {
            return ErrorCategory.CONTEXT_WINDOW;
        }
        if (info instanceof CodexErrorInfo.UsageLimitExceeded || info instanceof CodexErrorInfo.RateLimitExceeded
                || info instanceof CodexErrorInfo.SessionBudgetExceeded || info instanceof CodexErrorInfo.FlexUnavailable
                || info instanceof CodexErrorInfo.PolicyCapacityUnavailable || info instanceof CodexErrorInfo.ServerOverloaded) {
            return ErrorCategory.USAGE_LIMIT;
        }
        if (info instanceof CodexErrorInfo.SandboxError) {
            return ErrorCategory.SANDBOX;
        }
        Integer status = null;
        if (info instanceof CodexErrorInfo.HttpConnectionFailed h && h.httpConnectionFailed() != null) {
            status = h.httpConnectionFailed().httpStatusCode();
        } else if (info instanceof CodexErrorInfo.ResponseStreamConnectionFailed h && h.responseStreamConnectionFailed() != null) {
            status = h.responseStreamConnectionFailed().httpStatusCode();
        } else if (info instanceof CodexErrorInfo.ResponseStreamDisconnected h && h.responseStreamDisconnected() != null) {
            status = h.responseStreamDisconnected().httpStatusCode();
        } else if (info instanceof CodexErrorInfo.ResponseTooManyFailedAttempts h && h.responseTooManyFailedAttempts() != null) {
            status = h.responseTooManyFailedAttempts().httpStatusCode();
        }
        if (status == null) {
            return null;
        }
        return status == 401 ? ErrorCategory.AUTHENTICATION : status == 429 ? ErrorCategory.USAGE_LIMIT : null;
    }

    /** The text in lower case with its ids, paths and URLs blanked: what the hints are looked for in. */
    static String readable(String text) {
        return OPAQUE.matcher(text.toLowerCase(Locale.ROOT)).replaceAll(" ");
    }

    private static boolean hasAuthHint(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        for (String h : AUTH_HINTS) {
            if (t.contains(h)) {
                return true;
            }
        }
        return false;
    }

    private static ErrorCategory fromText(String text) {
        String t = readable(text);
        if (hasAuthHint(t)) {
            return ErrorCategory.AUTHENTICATION;
        }
        for (String h : MODEL_HINTS) {
            if (t.contains(h)) {
                return ErrorCategory.MODEL_UNAVAILABLE;
            }
        }
        if (t.contains("context window") || t.contains("context_length_exceeded")) {
            return ErrorCategory.CONTEXT_WINDOW;
        }
        if (t.contains("rate limit") || t.contains("usage limit") || t.contains("quota") || TOO_MANY_REQUESTS.matcher(t).find()) {
            return ErrorCategory.USAGE_LIMIT;
        }
        if (t.contains("sandbox") || t.contains("bubblewrap") || t.contains("seccomp")) {
            return ErrorCategory.SANDBOX;
        }
        return ErrorCategory.OTHER;
    }

    /** codex's error of a failed turn, its details folded into the message, classified. */
    static TurnFailure classify(TurnError error, List<String> stderrTail) {
        String details = error.additionalDetails() == null ? "" : error.additionalDetails();
        String message = error.message() == null ? "" : error.message();
        return ErrorClassifier.classify(details.isEmpty() || message.contains(details) ? message : message + " (" + details + ")",
                error.codexErrorInfo(), stderrTail);
    }
}
