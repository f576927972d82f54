package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.support.FakeCodex;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The codex health details name the version codex's initialize answer gave, and the tested one when that is newer. */
class CodexHealthVersionTest {
    private static CodexHealthCheck.Verdict health(String userAgent) {
        FakeCodex codex = new FakeCodex();
        codex.userAgent = userAgent;
        try (CodexClient client = CodexClient.builder().transport(codex.factory()).connect()) {
            return CodexHealthCheck.client(client, Duration.ofSeconds(1));
        }
    }

    @Test
    void aNewerCodexIsNamedWithTheVersionCodexBridgeWasTestedOn() {
        CodexHealthCheck.Verdict newer = health("codex_bridge/0.172.0 (Linux 6.1; x86_64)");
        assertThat(newer.up()).isTrue();
        assertThat(newer.details()).containsEntry("codexVersion", "0.172.0").containsEntry("codexTestedOn", "0.171.0");
    }

    @Test
    void thePinnedCodexIsNamedAloneAndAnAnswerWithoutAVersionAddsNothing() {
        assertThat(health("codex_bridge/0.171.0 (Linux)").details()).containsEntry("codexVersion", "0.171.0").doesNotContainKey("codexTestedOn");
        assertThat(health("fake").details()).doesNotContainKeys("codexVersion", "codexTestedOn");
    }
}
