package dev.codexbridge.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The resumes in flight after a reconnect follow codex's pace: halved once per slow spell, grown one per quick answer. */
class ResumeWindowTest {
    private static final long MS = 1_000_000L;

    @Test
    void startsAtThePolicysCeilingAndHoldsNoMore() {
        ResumeWindow w = new ResumeWindow(3, Duration.ofSeconds(10));
        assertThat(w.tryStart(0)).isZero();
        assertThat(w.tryStart(0)).isZero();
        assertThat(w.tryStart(0)).isZero();
        assertThat(w.tryStart(0)).as("a fourth while three run").isNegative();
        w.ended(0, 100 * MS, false);
        assertThat(w.tryStart(100 * MS)).isEqualTo(100 * MS);
    }

    @Test
    void aSlowSpellHalvesTheWindowOnceAndQuickAnswersGrowItBack() {
        ResumeWindow w = new ResumeWindow(16, Duration.ofSeconds(10));
        for (int i = 0; i < 16; i++) {
            assertThat(w.tryStart(0)).isZero();
        }
        // sixteen resumes that all took 6 s (over half the 10 s timeout): one halving, not sixteen
        for (int i = 0; i < 16; i++) {
            w.ended(0, 6_000 * MS, false);
        }
        assertThat(w.size()).isEqualTo(8);
        // a slow one that started after the halving halves again
        long t = w.tryStart(7_000 * MS);
        w.ended(t, 13_000 * MS, false);
        assertThat(w.size()).isEqualTo(4);
        assertThat(w.smallest()).isEqualTo(4);
        // quick answers: one more each, up to the ceiling and not past it
        for (int i = 0; i < 20; i++) {
            long s = w.tryStart(20_000 * MS);
            w.ended(s, 20_100 * MS, false);
        }
        assertThat(w.size()).isEqualTo(16);
        assertThat(w.smallest()).isEqualTo(4);
    }

    @Test
    void aFailedResumeCountsAsSlowAndTheWindowNeverDropsBelowOne() {
        ResumeWindow w = new ResumeWindow(2, Duration.ofSeconds(10));
        long a = w.tryStart(0);
        w.ended(a, MS, true);
        assertThat(w.size()).isEqualTo(1);
        long b = w.tryStart(2 * MS);
        w.ended(b, 3 * MS, true);
        assertThat(w.size()).isEqualTo(1);
        assertThat(w.tryStart(4 * MS)).isNotNegative();
        assertThat(w.tryStart(4 * MS)).isNegative();
        w.unused();
        assertThat(w.tryStart(5 * MS)).isNotNegative();
    }
}
