package dev.codexbridge.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.protocol.Model;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnFailure;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The probe's rules without a codex: the model-list check and how a failed probe turn reads. */
class RuntimeProbeTest {
    private static Model model(String id, boolean hidden) {
        return Model.builder().id(id).model(id).hidden(hidden).build();
    }

    @Test
    void aModelMissingFromOpenAisListIsUnavailableWithoutSpendingATurn() {
        RuntimeProbe.Verdict r = RuntimeProbe.modelCheck("gpt-nope", true, List.of(model("gpt-6.1-sol", false), model("secret", true)))
                .orElseThrow();
        assertThat(r.readiness()).isEqualTo(Readiness.MODEL_UNAVAILABLE);
        assertThat(r.remediation()).contains("`gpt-nope`").contains("gpt-6.1-sol").doesNotContain("secret");
    }

    @Test
    void aListedModelOrACustomProviderLeavesItToTheTurn() {
        assertThat(RuntimeProbe.modelCheck("gpt-6.1-sol", true, List.of(model("gpt-6.1-sol", false)))).isEmpty();
        assertThat(RuntimeProbe.modelCheck("secret", true, List.of(model("secret", true)))).as("hidden models count").isEmpty();
        assertThat(RuntimeProbe.modelCheck("mock-model", false, List.of(model("gpt-6.1-sol", false))))
                .as("codex's list does not describe a custom provider").isEmpty();
    }

    @Test
    void aFailedProbeTurnReadsAsLoggedOutModelUnavailableOrError() {
        assertThat(RuntimeProbe.outcome(TurnFailure.of("401 Unauthorized", ErrorCategory.AUTHENTICATION, null), "m").readiness())
                .isEqualTo(Readiness.LOGGED_OUT);
        for (String refusal : List.of("400: invalid_request_error", "The model is not available", "unknown model `m`",
                "Unsupported model", "model_not_found")) {
            RuntimeProbe.Verdict r = RuntimeProbe.outcome(TurnFailure.of(refusal, ErrorCategory.OTHER, null), "m");
            assertThat(r.readiness()).as(refusal).isEqualTo(Readiness.MODEL_UNAVAILABLE);
            assertThat(r.remediation()).contains("`m`").contains(refusal);
        }
        assertThat(RuntimeProbe.outcome(TurnFailure.of("disk full", ErrorCategory.OTHER, null), null).readiness()).isEqualTo(Readiness.ERROR);
    }
}
