package dev.codexbridge.cli;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code run --connect}'s option rules, checked before anything is started or contacted. */
class RunConnectOptionsTest {
    @Test
    void credentialsWithoutConnectAreAUsageError() {
        String[] r = run("run", "hi", "--token-file", "/nonexistent/token");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("need --connect");
    }

    @Test
    void optionsThatStartACodexHereDoNotMixWithConnect() {
        String[] r = run("run", "hi", "--connect", "ws://127.0.0.1:1", "--codex-home", "/tmp");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("already running");
    }

    @Test
    void oneAuthenticationModeAtATime() {
        String[] r = run("run", "hi", "--connect", "ws://127.0.0.1:1", "--token-file", "/a", "--jwt-secret-file", "/b");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("give one");
        String[] issuer = run("run", "hi", "--connect", "ws://127.0.0.1:1", "--jwt-issuer", "x");
        assertThat(issuer[0]).isEqualTo("2");
        assertThat(issuer[2]).contains("need --jwt-secret-file");
    }

    @Test
    void plaintextToARemoteHostIsRefusedBeforeConnecting() {
        String[] r = run("run", "hi", "--connect", "ws://192.0.2.10:4500", "--token-file", "/nonexistent/token");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("refusing plaintext").contains("--allow-plaintext");
    }

    @Test
    void aUrlCarryingATokenIsRefusedWithoutEchoingIt() {
        String[] r = run("run", "hi", "--connect", "ws://127.0.0.1:1/?token=leaky-secret-42");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1] + r[2]).doesNotContain("leaky-secret-42");
    }

    @Test
    void refusedCredentialsAndATimedOutTurnHaveExitCodesOfTheirOwn() {
        assertThat(RunCommand.EXIT_AUTHENTICATION).isEqualTo(3);
        dev.codexbridge.session.TurnResult timedOut = new dev.codexbridge.session.TurnResult("t", "u",
                dev.codexbridge.session.TurnOutcome.TIMED_OUT, null, null, dev.codexbridge.session.StopReason.TIMEOUT, 0, 0,
                java.util.List.of(), 0, 1, 0, null, false, java.util.List.of());
        assertThat(RunCommand.exitCode(timedOut)).isEqualTo(4).isNotEqualTo(RunCommand.EXIT_AUTHENTICATION);
    }
}
