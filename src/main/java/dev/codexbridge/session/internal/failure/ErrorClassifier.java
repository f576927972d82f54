package dev.codexbridge.session.internal.failure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.CodexErrorInfo;
import dev.codexbridge.protocol.TurnError;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnFailure;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sorts failures into {@link ErrorCategory}s from codex's {@code codexErrorInfo}, the message and
 * the stderr tail, and digs the real message out of the JSON envelope codex sometimes passes on
 * from the model API ({@code {"error": {"message": ...}}}).
 *
 * <p>Codex's structured error decides whenever it names a category. The text is read only
 * without one, and never inside ids, paths, URLs or numbers: a thread id or a file name that
 * happens to hold {@code 429} or the word {@code sandbox} says nothing about the failure, so a
 * hint found inside such a word does not count, and an HTTP status counts only where the text
 * says it is one ({@code 429 Too Many Requests}, {@code status 429}, {@code HTTP 429}).
 */
public final class ErrorClassifier {
    private static final List<String> AUTH_HINTS = List.of("invalid_grant", "invalid grant", "refresh token", "refresh_token",
            "token refresh", "token has expired", "expired_token", "expired token", "not authenticated", "unauthenticated",
            "401 unauthorized", "re-authenticate", "reauthenticate", "please log in", "please login", "not logged in",
            "missing environment variable");
    /**
     * The rate-limit HTTP status, only where the text says it is a status; the {@code 429} itself
     * must stand alone (not inside an id such as {@code 01a2-429b}).
     */
    private static final Pattern TOO_MANY_REQUESTS = Pattern.compile(
            "\\b(?:http(?:/\\d(?:\\.\\d)?)?|status(?: code)?|status_code|statuscode)\\s*[:=]?\\s*429(?![\\w.-])"
            + "|(?<![\\w.-])429(?=\\s*[:(]?\\s*(?:too many|rate limit))");
    private static final List<String> MODEL_HINTS = List.of("model_not_found", "model not found", "does not exist",
            "not supported when using codex", "do not have access to model", "model is not supported");
    private static final List<String> CONTEXT_HINTS = List.of("context window", "context_length_exceeded");
    private static final List<String> LIMIT_HINTS = List.of("rate limit", "usage limit", "quota", "too many requests");
    private static final List<String> SANDBOX_HINTS = List.of("sandbox", "bubblewrap", "seccomp");
    /**
     * How codex words a value it could not read (its request and config parsers): a refused
     * request saying one of these is about a setting the host chose, not about the library.
     */
    private static final List<String> SETTING_HINTS = List.of("unknown variant", "unknown field", "invalid type", "invalid value",
            "missing field", "invalid length", "expected one of", "failed to load configuration", "error loading config");

    private ErrorClassifier() {
    }

    public static TurnFailure classify(String rawMessage, CodexErrorInfo codexErrorInfo, List<String> stderrTail) {
        String message = unwrap(rawMessage);
        ErrorCategory category = fromInfo(codexErrorInfo);
        if (category == null) {
            category = fromText(message);
        }
        // codex's stderr always carries start-up warnings (bubblewrap, model metadata); only a
        // login failure there says why the turn failed.
        if (category == ErrorCategory.OTHER && stderrTail != null && hasAuthHint(String.join("\n", stderrTail).toLowerCase(Locale.ROOT))) {
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

    private static boolean hasAuthHint(String lower) {
        return mentionsAny(lower, AUTH_HINTS);
    }

    private static ErrorCategory fromText(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        if (hasAuthHint(t)) {
            return ErrorCategory.AUTHENTICATION;
        }
        if (mentionsAny(t, MODEL_HINTS)) {
            return ErrorCategory.MODEL_UNAVAILABLE;
        }
        if (mentionsAny(t, CONTEXT_HINTS)) {
            return ErrorCategory.CONTEXT_WINDOW;
        }
        if (mentionsAny(t, LIMIT_HINTS) || hasStatus429(t)) {
            return ErrorCategory.USAGE_LIMIT;
        }
        if (mentionsAny(t, SANDBOX_HINTS)) {
            return ErrorCategory.SANDBOX;
        }
        return ErrorCategory.OTHER;
    }

    private static boolean mentionsAny(String lower, List<String> hints) {
        for (String h : hints) {
            for (int at = lower.indexOf(h); at >= 0; at = lower.indexOf(h, at + 1)) {
                if (!insideOpaqueWord(lower, at, at + h.length())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean hasStatus429(String lower) {
        if (!lower.contains("429")) {
            return false;       // the common case, without a regex
        }
        Matcher m = TOO_MANY_REQUESTS.matcher(lower);
        while (m.find()) {
            int at = lower.indexOf("429", m.start());
            if (!insideOpaqueWord(lower, at, at + 3)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code [from, to)} is only part of a word that is a path, a URL or an id: a word
     * (text between spaces, quotes, commas and brackets) holding a slash or backslash, or one that
     * mixes digits with dashes or underscores ({@code 0199a429-…}, {@code t_429}), and reaches
     * past the match on either side. Looked at only where a hint was found, so reading a long
     * stderr tail costs a few {@code indexOf} calls.
     */
    private static boolean insideOpaqueWord(String text, int from, int to) {
        int start = from;
        while (start > 0 && !isWordEnd(text.charAt(start - 1))) {
            start--;
        }
        int end = to;
        while (end < text.length() && !isWordEnd(text.charAt(end))) {
            end++;
        }
        if (start == from && end == to) {
            return false;       // the match is the whole word
        }
        boolean digit = false;
        boolean joiner = false;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c == '/' || c == '\\') {
                return true;
            }
            digit |= c >= '0' && c <= '9';
            joiner |= c == '-' || c == '_';
        }
        return digit && joiner;
    }

    private static boolean isWordEnd(char c) {
        return Character.isWhitespace(c) || c == '"' || c == '\'' || c == '`' || c == ',' || c == ';' || c == '(' || c == ')'
                || c == '[' || c == ']' || c == '{' || c == '}' || c == '<' || c == '>';
    }

    /**
     * What codex refusing a request is: {@link ErrorCategory#CAPACITY} when codex answered
     * "overloaded" ({@code -32001}) to every try; {@link ErrorCategory#SETTINGS_REJECTED} when codex
     * says it could not read a value the host set (an unknown variant, a missing field, a bad
     * {@code config.toml}); else {@link ErrorCategory#PROTOCOL}.
     */
    public static boolean mentionsSetting(String text) {
        return text != null && mentionsAny(text.toLowerCase(Locale.ROOT), SETTING_HINTS);
    }

    public static ErrorCategory refusal(RpcException refused) {
        int code = refused.code();
        if (code == RpcError.SERVER_OVERLOADED) {
            // codex said "overloaded" to every try the client's RetryPolicy made: nothing ran, and a moment later it may take it
            return ErrorCategory.CAPACITY;
        }
        String text = refused.error() == null || refused.error().message() == null ? "" : refused.error().message().toLowerCase(Locale.ROOT);
        boolean badRequest = code == RpcError.INVALID_REQUEST || code == RpcError.INVALID_PARAMS;
        return badRequest && mentionsAny(text, SETTING_HINTS) ? ErrorCategory.SETTINGS_REJECTED : ErrorCategory.PROTOCOL;
    }

    /**
     * Codex refused {@code turn/start} (or {@code review/start}): a setting of the turn's, in
     * codex's own words and with the session kept, or else what the message says.
     */
    public static TurnFailure turnRefused(RpcException refused) {
        String words = refused.error() == null ? null : refused.error().message();
        if (refusal(refused) == ErrorCategory.CAPACITY) {
            return TurnFailure.of(refused.method() + " failed: codex answered every try \"" + UntrustedText.of(words)
                    + "\"; nothing ran", ErrorCategory.CAPACITY, null);
        }
        if (refusal(refused) == ErrorCategory.SETTINGS_REJECTED) {
            return TurnFailure.of("codex refused the turn's settings: " + UntrustedText.of(words) + " (" + refused.method()
                    + ", code " + refused.code() + ")", ErrorCategory.SETTINGS_REJECTED, null);
        }
        TurnFailure err = classify(refused.method() + " failed: " + words, null, List.of());
        return err.category() == ErrorCategory.OTHER ? TurnFailure.of(err.message(), ErrorCategory.PROTOCOL, null) : err;
    }

    /** codex's error of a failed turn, its details folded into the message, classified. */
    public static TurnFailure classify(TurnError error, List<String> stderrTail) {
        String details = error.additionalDetails() == null ? "" : error.additionalDetails();
        String message = error.message() == null ? "" : error.message();
        return ErrorClassifier.classify(details.isEmpty() || message.contains(details) ? message : message + " (" + details + ")",
                error.codexErrorInfo(), stderrTail);
    }
}
