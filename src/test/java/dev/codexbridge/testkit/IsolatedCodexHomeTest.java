package dev.codexbridge.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test kit writes only an approval_policy codex 0.169.0 starts with. */
class IsolatedCodexHomeTest {
    @TempDir
    Path tmp;

    @Test
    void untrustedIsRefusedWithThePerThreadSettingToUse() {
        assertThatThrownBy(() -> IsolatedCodexHome.builder(tmp, URI.create("http://127.0.0.1:1/v1")).askForApproval("untrusted"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("AskForApproval.UNTRUSTED");
    }

    @Test
    void theDefaultAndOnRequestAreWritten() throws Exception {
        Path home = IsolatedCodexHome.builder(tmp.resolve("a"), URI.create("http://127.0.0.1:1/v1")).write();
        assertThat(Files.readString(home.resolve("config.toml"))).contains("approval_policy = \"never\"");
        Path asks = IsolatedCodexHome.builder(tmp.resolve("b"), URI.create("http://127.0.0.1:1/v1")).askForApproval("on-request").write();
        assertThat(Files.readString(asks.resolve("config.toml"))).contains("approval_policy = \"on-request\"");
    }
}
