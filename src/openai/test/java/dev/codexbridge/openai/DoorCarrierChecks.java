package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.UnauthorizedException;
import com.openai.models.responses.ResponseCreateParams;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.util.function.IntSupplier;

/** The end every carrier of the door shares in its test: a wrong key refused, then the close, after which nothing reaches codex. */
final class DoorCarrierChecks {
    private DoorCarrierChecks() {
    }

    /**
     * A wrong key at {@code base} is 401; the door holds {@code held} conversations until {@code close}
     * closes them all; a turn after it is 503 with {@code x-should-retry}, and the model was asked
     * {@code modelRequests} times in all.
     */
    static void refusesAWrongKeyThenStopsAtItsClose(String base, OpenAIClient client, IntSupplier conversationsHeld, int held,
                                                   Runnable close, ScriptedModelServer model, int modelRequests) {
        OpenAIClient wrong = OpenAIOkHttpClient.builder().baseUrl(base).apiKey("wrong-key-0123456789abcdef").maxRetries(0).build();
        try {
            assertThatThrownBy(() -> wrong.models().list()).isInstanceOf(UnauthorizedException.class);
        } finally {
            wrong.close();
        }
        assertThat(conversationsHeld.getAsInt()).isEqualTo(held);

        close.run();
        assertThat(conversationsHeld.getAsInt()).as("closed with the door").isZero();
        assertThatThrownBy(() -> client.responses().create(ResponseCreateParams.builder().model("codex").input("after").build()))
                .isInstanceOfSatisfying(com.openai.errors.OpenAIServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(503);
                    assertThat(e.headers().values("x-should-retry")).containsExactly("true");
                });
        assertThat(model.responsesRequests()).as("nothing after the close reached the model").hasSize(modelRequests);
    }
}
