package dev.codexbridge.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.BuildInfo;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The one line a codex newer than the pinned one gets, and that it is told once per binary and version. */
class NewerCodexTest {
    @Test
    void onlyANewerCodexGetsTheLineWhichNamesTheTestedVersionAndTheMatrix() {
        assertThat(NewerCodex.line(CodexVersion.PINNED)).isEmpty();
        assertThat(NewerCodex.line(new CodexVersion(0, 130, 0))).isEmpty();
        assertThat(NewerCodex.line(null)).isEmpty();
        assertThat(NewerCodex.line(new CodexVersion(0, 172, 0))).hasValue("codex 0.172.0 is newer than " + CodexVersion.PINNED
                + ", the release codex-bridge " + BuildInfo.version() + " is tested on; it is used all the same "
                + "(the releases tested and how each differs: docs/compatibility.md)");
        assertThat(NewerCodex.line(new CodexVersion(1, 0, 0))).isPresent();
    }

    @Test
    void eachBinaryAndVersionIsToldOnceAndAnErrorFindsTheLastSinceItsMark() {
        String where = "/opt/codex-" + UUID.randomUUID();
        long mark = NewerCodex.seen();
        assertThat(NewerCodex.noticeSince(mark)).isEmpty();
        assertThat(NewerCodex.firstTime(where, CodexVersion.PINNED)).as("the pinned one is not told").isFalse();
        assertThat(NewerCodex.noticeSince(mark)).isEmpty();

        assertThat(NewerCodex.firstTime(where, new CodexVersion(0, 172, 0))).isTrue();
        assertThat(NewerCodex.firstTime(where, new CodexVersion(0, 172, 0))).isFalse();
        assertThat(NewerCodex.firstTime(where, new CodexVersion(0, 173, 0))).as("another version of the same binary").isTrue();
        assertThat(NewerCodex.noticeSince(mark)).hasValueSatisfying(n -> assertThat(n).startsWith(where + ": codex 0.173.0 is newer than"));
        assertThat(NewerCodex.noticeSince(NewerCodex.seen())).as("nothing since a later mark").isEmpty();
    }

    @Test
    void theVersionIsReadFromTheUserAgentAfterTheOriginator() {
        assertThat(CodexVersion.fromUserAgent("codex_bridge_1.2.3/0.172.0 (Linux 6.1; x86_64) xterm")).hasValue(new CodexVersion(0, 172, 0));
        assertThat(CodexVersion.fromUserAgent("fake")).isEmpty();
        assertThat(CodexVersion.fromUserAgent(null)).isEmpty();
    }
}
