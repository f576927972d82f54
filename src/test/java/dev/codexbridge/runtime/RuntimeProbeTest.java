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
        String[] r = RuntimeSwitch.modelCheck("gpt-nope", true, List.of(model("gpt-6.1-sol", false), model("secret", true)));
        assertThat(r[0]).isEqualTo("modelUnavailable");
        assertThat(r[1]).contains("`gpt-nope`").contains("gpt-6.1-sol").doesNotContain("secret");
    }

    @Test
    void aListedModelOrACustomProviderLeavesItToTheTurn() {
        assertThat(RuntimeSwitch.modelCheck("gpt-6.1-sol", true, List.of(model("gpt-6.1-sol", false)))).isNull();
        assertThat(RuntimeSwitch.modelCheck("secret", true, List.of(model("secret", true)))).as("hidden models count").isNull();
        assertThat(RuntimeSwitch.modelCheck("mock-model", false, List.of(model("gpt-6.1-sol", false))))
                .as("codex's list does not describe a custom provider").isNull();
    }

    @Test
    void aFailedProbeTurnReadsAsLoggedOutModelUnavailableOrError() {
        assertThat(RuntimeSwitch.outcome(TurnFailure.of("401 Unauthorized", ErrorCategory.AUTHENTICATION, null), "m")[0])
                .isEqualTo("loggedOut");
        for (String refusal : List.of("400: invalid_request_error", "The model is not available", "unknown model `m`",
                "Unsupported model", "model_not_found")) {
            String[] r = RuntimeSwitch.outcome(TurnFailure.of(refusal, ErrorCategory.OTHER, null), "m");
            assertThat(r[0]).as(refusal).isEqualTo("modelUnavailable");
            assertThat(r[1]).contains("`m`").contains(refusal);
        }
        assertThat(RuntimeSwitch.outcome(TurnFailure.of("disk full", ErrorCategory.OTHER, null), null)[0]).isEqualTo("error");
    }
}
