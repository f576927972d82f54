package dev.codexbridge.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.support.WireSchema;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A misbehaving codex, spawned as a real child process, for the faults on the wire: garbage and
 * partial lines, a line of 100 MiB, 50 MiB of stderr, answers with unknown, duplicated, string and
 * colliding ids, a request answered "overloaded" again and again. Each turn ends with a clear
 * result and leaves nothing behind ({@link FaultInjectionTest} has the process's faults).
 */
class WireFaultInjectionTest {
    @TempDir
    Path tmp;
    private FaultyCodexRuns runs;

    @BeforeEach
    void baseline() {
        runs = new FaultyCodexRuns(tmp);
    }

    @Test
    void garbageAndPartialLinesBetweenValidOnes() {
        FaultyCodexRuns.Run run = runs.run("garbage", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(run.result().finalText()).isEqualTo("survived the garbage");
    }

    @Test
    void aLineOf100MiB() {
        // reading past 100 MiB takes seconds on a loaded 2-core host: the turn's limit is not the point here
        FaultyCodexRuns.Run run = runs.run("huge-line", b -> b.limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)));
        assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(run.result().finalText()).isEqualTo("after the huge line");
    }

    @Test
    void fiftyMiBOfStderr() {
        FaultyCodexRuns.Run run = runs.run("stderr-flood", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
    }

    @Test
    void responsesWithUnknownAndDuplicatedIds() {
        FaultyCodexRuns.Run run = runs.run("unknown-ids", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(run.result().finalText()).isEqualTo("ids did not confuse it");
    }

    @Test
    void serverRequestsWithStringIdsAndIdsThatCollideWithClientIds() {
        FaultyCodexRuns.Run run = runs.run("colliding-ids", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.COMPLETED);
        long answers = run.wire().sent().stream().filter(m -> !m.has("method") && m.has("result")).count();
        assertThat(answers).isEqualTo(2);
        assertThat(run.wire().sent()).anySatisfy(m -> assertThat(m.path("id").asText()).isEqualTo("str-1"));
        assertThat(WireSchema.pinned().validateConversation(run.wire())).isEmpty();
    }

    @Test
    void aRequestAnsweredOverloadedManyTimesInARow() {
        FaultyCodexRuns.Run run = runs.run("overloaded", b -> b);
        assertThat(run.result().status()).isEqualTo(TurnOutcome.NOT_RECEIVED);      // the handshake never succeeded
        assertThat(run.result().error().message()).contains("overloaded");
        // start() and then runTurn() each try once plus six bounded retries
        long attempts = run.wire().sent().stream().filter(m -> "initialize".equals(m.path("method").asText())).count();
        assertThat(attempts).isEqualTo(2 * 7);
    }
}
