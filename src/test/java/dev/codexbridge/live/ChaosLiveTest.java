package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.chaos.ChaosRun;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.Slow;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The short compound-fault run ({@code bin/bench chaos} in small): 10 sessions on one shared
 * WebSocket client, seed 33, with proxy faults every 3–8 s, codex killed every 15–18 s and the host
 * JVM every 20–23 s (closer together than the bench's); afterwards no turn may differ from codex's
 * record. The faults go on for at least 50 s and until the work is done — 31 turns begun and each
 * fault three times — however long that takes on a slow machine, within 240 s: the verdict rests on
 * the work that ran under the faults, not on how much of it fit in a window (on a quiet machine
 * whose every turn went through a recovery, 50 s held 20). With seed 33 codex is first killed at
 * 17 s, the host at 22 s: the first kill leaves a host slow to start on a loaded machine time to
 * open its threads. The tests module's pom sets {@code -Dcodexbridge.chaos=true}; a run without it
 * skips this one.
 */
@Slow("at least 50 s of compound faults by design, more until 31 turns ran under them: fewer would not see each fault more than once")
@EnabledIfSystemProperty(named = "codexbridge.chaos", matches = "true",
        disabledReason = "compound faults: -Dcodexbridge.chaos=true (the tests module's pom sets it)")
class ChaosLiveTest {
    @Test
    void everyTurnReportedUnderCompoundFaultsIsTheTurnCodexRecorded() throws Exception {
        LiveCodex.binary();     // skipped with the other live tests
        ChaosRun.Settings settings = new ChaosRun.Settings(10, Duration.ofSeconds(50), 33,
                Duration.ofSeconds(3), Duration.ofSeconds(8), Duration.ofMillis(200), Duration.ofSeconds(3),
                Duration.ofSeconds(15), Duration.ofSeconds(18), Duration.ofSeconds(20), Duration.ofSeconds(23),
                Duration.ofSeconds(90), Duration.ofSeconds(120), new ChaosRun.Enough(31, 3, Duration.ofSeconds(240)), System.out);
        ChaosRun.Outcome o = ChaosRun.run(settings);
        assertThat(o.json().path("enough").asBoolean()).as("the work asked for ran under the faults within the bound: "
                + o.json()).isTrue();
        assertThat(o.started()).as("turns run under the faults").isGreaterThan(30);
        assertThat(o.json().path("codexStarts").asInt()).as("codex was killed and started again, twice").isGreaterThan(2);
        assertThat(o.json().path("hostStarts").asInt()).as("the host was killed and started again, twice").isGreaterThan(2);
        assertThat(o.json().path("proxyFaults").asInt()).as("the proxy's faults").isGreaterThan(2);
        assertThat(o.divergences()).as(String.join("\n", o.lines())).allSatisfy((kind, n) -> assertThat(n).as(kind).isZero());
    }
}
