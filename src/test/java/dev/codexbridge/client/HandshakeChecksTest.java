package dev.codexbridge.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.codexbridge.BuildInfo;
import dev.codexbridge.CodexException;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexProcessException;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.process.NewerCodex;
import dev.codexbridge.support.LogCapture;
import dev.codexbridge.support.Scripts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What connecting says about the program it started, against fake binaries (small shell scripts
 * that print a version, answer initialize as an old codex, or never answer).
 */
class HandshakeChecksTest {
    @TempDir
    Path tmp;

    /** A fake codex: {@code --version} prints {@code version}; otherwise it answers initialize with {@code userAgent} and waits. */
    private Path fake(String version, String userAgent) {
        return Scripts.write(tmp.resolve("bin"), "codex", String.join("\n",
                "if [ \"$1\" = --version ]; then echo '" + version + "'; exit 0; fi",
                "IFS= read -r line",
                "id=$(printf '%s' \"$line\" | sed -n 's/.*\"id\":\\([0-9]*\\).*/\\1/p')",
                "printf '{\"id\":%s,\"result\":{\"userAgent\":\"" + userAgent + "\",\"codexHome\":\"/tmp\"}}\\n' \"$id\"",
                "cat > /dev/null"));
    }

    private CodexClient.Builder client(Path binary) throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        return CodexClient.builder().process(CodexLaunch.appServer(binary).codexHome(home).build());
    }

    @Test
    void codexOlderThanTheFloorIsRefusedWithWhatToDo() throws Exception {
        Path old = fake("codex-cli 0.100.0", "my_host/0.100.0 (Linux 6.1; x86_64) xterm");
        System.out.println(catchThrowable(() -> client(old).connect()).getMessage());
        assertThatThrownBy(() -> client(old).connect()).isInstanceOf(CodexException.class)
                .hasMessageStartingWith(old + " is codex 0.100.0, older than 0.125.0, the oldest codex-bridge speaks to.")
                .hasMessageContaining("-D" + HandshakeChecks.ALLOW_UNSUPPORTED + "=true");
    }

    @Test
    void theOverrideConnectsToOldCodexAnyway() throws Exception {
        Path old = fake("codex-cli 0.100.0", "my_host/0.100.0");
        System.setProperty(HandshakeChecks.ALLOW_UNSUPPORTED, "true");
        try (CodexClient c = client(old).connect()) {
            assertThat(c.serverInfo().userAgent()).isEqualTo("my_host/0.100.0");
        } finally {
            System.clearProperty(HandshakeChecks.ALLOW_UNSUPPORTED);
        }
    }

    @Test
    void aSupportedVersionOrNoneConnects() throws Exception {
        try (CodexClient c = client(fake("codex-cli 0.169.0", "host_1.2.3/0.169.0 (Linux)")).connect()) {
            assertThat(c.isOpen()).isTrue();
        }
        try (CodexClient c = client(fake("codex-cli 0.169.0", "fake")).connect()) {
            assertThat(c.isOpen()).as("a userAgent without a version is not checked").isTrue();
        }
    }

    @Test
    void aNewerCodexConnectsAndIsNamedOnceInTheLogWithTheTestedVersionAndTheMatrix() throws Exception {
        Path newer = fake("codex-cli 0.172.0", "codex_bridge/0.172.0 (Linux 6.1; x86_64) xterm");
        try (LogCapture log = LogCapture.start()) {
            try (CodexClient c = client(newer).connect()) {
                assertThat(c.isOpen()).as("a newer codex is never refused").isTrue();
                assertThat(CodexVersion.fromUserAgent(c.serverInfo().userAgent())).hasValue(new CodexVersion(0, 172, 0));
            }
            try (CodexClient again = client(newer).connect()) {
                assertThat(again.isOpen()).isTrue();
            }
            String text = log.text();
            System.out.println(text);
            assertThat(text).as("once per binary and version in this process").containsOnlyOnce("is newer than")
                    .contains("INFO " + NewerCodex.class.getName() + " - " + newer + ": codex 0.172.0 is newer than 0.171.0, the release codex-bridge "
                            + BuildInfo.version() + " is tested on; it is used all the same (the releases tested and how each differs: "
                            + "docs/compatibility.md)");
        }
    }

    @Test
    void thePinnedCodexAndOlderOnesAboveTheFloorAreNotNamed() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            try (CodexClient c = client(fake("codex-cli 0.171.0", "codex_bridge/0.171.0 (Linux)")).connect()) {
                assertThat(c.isOpen()).isTrue();
            }
            try (CodexClient c = client(fake("codex-cli 0.130.0", "codex_bridge/0.130.0 (Linux)")).connect()) {
                assertThat(c.isOpen()).isTrue();
            }
            assertThat(log.text()).doesNotContain("is newer than");
        }
    }

    @Test
    void theVersionIsReadAfterTheOriginator() {
        assertThat(HandshakeChecks.versionOf("host_1.2.3/0.124.9 (Linux)")).hasValueSatisfying(v -> assertThat(v).hasToString("0.124.9"));
        assertThat(HandshakeChecks.versionOf("fake")).isEmpty();
        assertThat(HandshakeChecks.versionOf(null)).isEmpty();
    }

    @Test
    void aBinaryThatNeverAnswersIsNamedWithItsVersion() throws Exception {
        Path silent = Scripts.write(tmp.resolve("silent"), "codex", String.join("\n",
                "if [ \"$1\" = --version ]; then echo 'codex-cli 0.100.0'; exit 0; fi",
                "cat > /dev/null"));
        System.out.println(catchThrowable(() -> client(silent).requestTimeout(Duration.ofMillis(500)).connect()).getMessage());
        assertThatThrownBy(() -> client(silent).requestTimeout(Duration.ofMillis(500)).connect()).isInstanceOf(CodexException.class)
                .hasMessageStartingWith(silent + ", which reports codex 0.100.0, did not answer initialize within 500 ms. "
                        + "Check that it is codex's app-server: `codex --version` should say codex-cli 0.125.0 or newer (this one is older), "
                        + "and `codex app-server` should answer JSON-RPC on stdin/stdout")
                .hasMessageEndingWith("a program that is not codex's app-server often waits like this.");
    }

    @Test
    void aBinaryThatExitsBeforeAnsweringIsNamedWithItsVersionAndWhatToCheck() throws Exception {
        Path script = Scripts.write(tmp.resolve("exits"), "codex", "echo 'codex-cli 0.100.0'");
        Throwable refused = catchThrowable(() -> client(script).connect());
        System.out.println(refused.getMessage());
        assertThat(refused).isInstanceOf(CodexProcessException.class)
                .hasMessageContaining("exited with code 0 before answering initialize.\n" + script
                        + ", which reports codex 0.100.0, ended without answering. Check that it is codex's app-server: "
                        + "`codex --version` should say codex-cli 0.125.0 or newer (this one is older), "
                        + "and `codex app-server` should answer JSON-RPC on stdin/stdout without exiting.");
        assertThat(((CodexProcessException) refused).exitCode()).hasValue(0);
    }

    @Test
    void aSupportedCodexThatExitsEarlyIsNamedWithoutDoubtingItIsCodex() throws Exception {
        Path script = Scripts.write(tmp.resolve("crashes"), "codex", String.join("\n",
                "if [ \"$1\" = --version ]; then echo 'codex-cli 0.169.0'; exit 0; fi",
                "echo 'Error: config.toml: unknown variant' >&2",
                "exit 1"));
        Throwable refused = catchThrowable(() -> client(script).connect());
        assertThat(refused).isInstanceOf(CodexProcessException.class)
                .hasMessageContaining("exited with code 1 before answering initialize: Error: config.toml: unknown variant.\n" + script
                        + ", which reports codex 0.169.0, ended without answering.\ncodex stderr (of its last 1 line):\n"
                        + "  Error: config.toml: unknown variant")
                .hasMessageNotContaining("Check that it is codex's app-server");
        assertThat(((CodexProcessException) refused).stderrTail()).contains("Error: config.toml: unknown variant");
    }

    @Test
    void aSilentBinaryWithoutAVersionSaysWhatItsVersionCallDid() throws Exception {
        Path silent = Scripts.write(tmp.resolve("mute"), "not-codex", "cat > /dev/null");
        assertThatThrownBy(() -> client(silent).requestTimeout(Duration.ofMillis(500)).connect()).isInstanceOf(CodexException.class)
                .hasMessageStartingWith(silent + " (not-codex --version: ")
                .hasMessageContaining("did not answer initialize within 500 ms");
    }

    @Test
    void anUnwritableOrMissingCodexHomeIsRefusedBeforeCodexStarts() {
        Path binary = fake("codex-cli 0.169.0", "fake/0.169.0");
        // /proc/self is a folder no one can create files in, root included
        long began = System.nanoTime();
        Throwable refused = catchThrowable(() -> CodexClient.builder().process(CodexLaunch.appServer(binary).codexHome(Path.of("/proc/self"))
                .build()).connect());
        System.out.printf("unwritable CODEX_HOME refused after %.1f ms:%n%s%n", (System.nanoTime() - began) / 1e6, refused.getMessage());
        assertThatThrownBy(() -> CodexClient.builder().process(CodexLaunch.appServer(binary).codexHome(Path.of("/proc/self")).build()).connect())
                .isInstanceOf(CodexProcessException.class)
                .hasMessageStartingWith("CODEX_HOME /proc/self (CodexLaunch...codexHome(..)) is not writable (")
                .hasMessageContaining("give codex another folder: CodexLaunch.appServer(..).codexHome(dir)");
        Path missing = tmp.resolve("no-such-home");
        assertThatThrownBy(() -> CodexClient.builder().process(CodexLaunch.appServer(binary).codexHome(missing).build()).connect())
                .isInstanceOf(CodexProcessException.class)
                .hasMessageStartingWith("CODEX_HOME " + missing + " (CodexLaunch...codexHome(..)) does not exist");
    }
}
