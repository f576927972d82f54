package dev.codexbridge.session.internal.failure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.CodexErrorInfo;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnFailure;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every category, from codex's typed error info, from the message alone, and from stderr. */
class ErrorClassifierTest {
    private static CodexErrorInfo info(String json) {
        return Json.convert(Json.parse(json), CodexErrorInfo.class);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "\"unauthorized\"                                              | AUTHENTICATION",
        "\"modelNotFound\"                                             | MODEL_UNAVAILABLE",
        "\"contextWindowExceeded\"                                     | CONTEXT_WINDOW",
        "\"usageLimitExceeded\"                                        | USAGE_LIMIT",
        "\"rateLimitExceeded\"                                         | USAGE_LIMIT",
        "\"serverOverloaded\"                                          | USAGE_LIMIT",
        "\"sandboxError\"                                              | SANDBOX",
        "{\"httpConnectionFailed\":{\"httpStatusCode\":401}}           | AUTHENTICATION",
        "{\"responseStreamDisconnected\":{\"httpStatusCode\":429}}     | USAGE_LIMIT",
        "{\"responseTooManyFailedAttempts\":{\"httpStatusCode\":500}}  | OTHER",
        "\"somethingNewer\"                                            | OTHER",
    })
    void theTypedErrorInfoDecides(String json, ErrorCategory expected) {
        TurnFailure e = ErrorClassifier.classify("it failed", info(json.strip()), List.of());
        assertThat(e.category()).isEqualTo(expected);
        assertThat(e.codexErrorInfo()).isEqualTo(Json.parse(json.strip()));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "Your refresh token has expired; please log in again | AUTHENTICATION",
        "The model `gpt-x` does not exist                    | MODEL_UNAVAILABLE",
        "input exceeds the context window of this model      | CONTEXT_WINDOW",
        "You've hit your usage limit. Try again later        | USAGE_LIMIT",
        "429 Too Many Requests                               | USAGE_LIMIT",
        "sandbox denied the write (bubblewrap)               | SANDBOX",
        "something odd happened                              | OTHER",
    })
    void withoutErrorInfoTheMessageDecides(String message, ErrorCategory expected) {
        assertThat(ErrorClassifier.classify(message.strip(), null, List.of()).category()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "thread/resume failed: no rollout found for thread id 0199a429-4290-7429-8429-429042904290 | OTHER",
        "rollout at /h/.codex/sessions/2026/04/29/rollout-2026-04-29T04-29-00-0199a429.jsonl is empty | OTHER",
        "request 4291 timed out after 429 ms                                                    | OTHER",
        "turn/start failed: thread t-429-b is busy                                              | OTHER",
        "cannot open /home/me/sandbox/quota/project                                             | OTHER",
        "see https://example.com/status/429 for details                                         | OTHER",
        "unexpected status 429 Too Many Requests: slow down                                     | USAGE_LIMIT",
        "HTTP 429                                                                               | USAGE_LIMIT",
        "the upstream answered with status: 429                                                 | USAGE_LIMIT",
        "HTTP/1.1 429                                                                           | USAGE_LIMIT",
        "The model `gpt-4.1-mini-2025` does not exist                                           | MODEL_UNAVAILABLE",
    })
    void idsPathsUrlsAndNumbersSayNothingAndAStatusCountsOnlyAsAStatus(String message, ErrorCategory expected) {
        assertThat(ErrorClassifier.classify(message.strip(), null, List.of()).category()).isEqualTo(expected);
    }

    @Test
    void codexsStructuredErrorComesBeforeTheText() {
        assertThat(ErrorClassifier.classify("429 Too Many Requests", info("\"contextWindowExceeded\""), List.of()).category())
                .isEqualTo(ErrorCategory.CONTEXT_WINDOW);
        assertThat(ErrorClassifier.classify("thread 0199a429-0000-7000-8000-000000000429 failed",
                info("{\"responseStreamDisconnected\":{\"httpStatusCode\":429}}"), List.of()).category())
                .isEqualTo(ErrorCategory.USAGE_LIMIT);
        assertThat(ErrorClassifier.classify("stream closed", null, List.of("reading /home/me/.codex/refresh_token-429.json")).category())
                .as("a path in stderr is no login problem").isEqualTo(ErrorCategory.OTHER);
    }

    @Test
    void stderrOnlyEverUpgradesToAuthentication() {
        List<String> loginTrouble = List.of("WARN bubblewrap not found", "ERROR token refresh failed: invalid_grant");
        assertThat(ErrorClassifier.classify("stream closed", null, loginTrouble).category()).isEqualTo(ErrorCategory.AUTHENTICATION);
        List<String> noise = List.of("WARN sandbox: bubblewrap not found", "Model metadata for mock-model not found");
        assertThat(ErrorClassifier.classify("stream closed", null, noise).category()).isEqualTo(ErrorCategory.OTHER);
    }

    @Test
    void theModelApisJsonEnvelopeIsUnwrapped() {
        TurnFailure e = ErrorClassifier.classify("unexpected status 400: {\"error\":{\"message\":\"The model is not supported\","
                + "\"type\":\"invalid_request_error\"}}", null, List.of());
        assertThat(e.message()).isEqualTo("unexpected status 400: The model is not supported");
        assertThat(e.category()).isEqualTo(ErrorCategory.MODEL_UNAVAILABLE);
        assertThat(ErrorClassifier.unwrap(null)).isEqualTo("codex reported a failure without a message");
    }
}
