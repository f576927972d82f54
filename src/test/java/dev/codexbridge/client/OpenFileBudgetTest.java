package dev.codexbridge.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** maxThreads follows the open-file limit a codex the client starts inherits. */
class OpenFileBudgetTest {
    private static final String LIMITS = """
            Limit                     Soft Limit           Hard Limit           Units
            Max cpu time              unlimited            unlimited            seconds
            Max open files            1024                 524288               files
            Max locked memory         8388608              8388608              bytes
            """;

    @Test
    void theSoftLimitIsReadFromProcLimits() {
        assertThat(OpenFileBudget.parse(LIMITS)).hasValue(1024);
        assertThat(OpenFileBudget.parse(LIMITS.replace("1024  ", "unlimited"))).isEmpty();
        assertThat(OpenFileBudget.parse("nothing here")).isEmpty();
    }

    @Test
    void underTheCommon1024TheDefault500IsLoweredBelowWhereCodexBroke() {
        // codex 0.169.0 broke at about 480 loaded threads under ulimit -n 1024
        assertThat(OpenFileBudget.maxThreads(500, OptionalLong.of(1024))).isEqualTo(480);
        assertThat(OpenFileBudget.maxThreads(100, OptionalLong.of(1024))).isEqualTo(100);
        assertThat(OpenFileBudget.maxThreads(500, OptionalLong.of(20_000))).isEqualTo(500);
        assertThat(OpenFileBudget.maxThreads(500, OptionalLong.empty())).isEqualTo(500);
        assertThat(OpenFileBudget.maxThreads(500, OptionalLong.of(10))).isEqualTo(1);
    }
}
