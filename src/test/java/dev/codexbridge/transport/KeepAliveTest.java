package dev.codexbridge.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The keep-alive's rules, with a stand-in connection: when it pings, and when it gives up. */
@Timeout(30)
class KeepAliveTest {
    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final Duration TIMEOUT = Duration.ofMillis(150);

    private final CompletableFuture<String> dead = new CompletableFuture<>();
    private final AtomicInteger pings = new AtomicInteger();
    private final AtomicBoolean holdingBack = new AtomicBoolean();

    private KeepAlive keepAlive(Supplier<CompletionStage<?>> ping) {
        return new KeepAlive(INTERVAL, TIMEOUT, holdingBack::get, dead::isDone, () -> {
            pings.incrementAndGet();
            return ping.get();
        }, dead::complete);
    }

    @Test
    void aPingThatCannotBeWrittenEndsTheConnectionAtOnce() throws Exception {
        // what a reset connection does to a write, whether or not its read noticed
        KeepAlive k = keepAlive(() -> CompletableFuture.failedFuture(new IOException("Connection reset by peer")));
        k.start();
        assertThat(dead.get(60, TimeUnit.SECONDS))
                .isEqualTo("a WebSocket ping to codex app-server failed: IOException: Connection reset by peer");
        assertThat(pings.get()).isEqualTo(1);
    }

    @Test
    void aServerSilentAfterItsPingsIsGivenUp() throws Exception {
        KeepAlive k = keepAlive(() -> CompletableFuture.completedFuture(null));
        k.start();
        assertThat(dead.get(60, TimeUnit.SECONDS)).startsWith("codex app-server answered nothing, not even a WebSocket ping");
        assertThat(pings.get()).as("pinged before giving up").isPositive();
    }

    @Test
    void aServerThatIsHeardFromIsKept() throws Exception {
        // a timeout far above the pauses between frames, however loaded the machine
        KeepAlive k = new KeepAlive(INTERVAL, Duration.ofSeconds(5), () -> false, dead::isDone,
                () -> CompletableFuture.completedFuture(null), dead::complete);
        k.start();
        for (int i = 0; i < 20; i++) {
            Thread.sleep(25);
            k.heard();
        }
        assertThat(dead).isNotDone();
        k.stop();
    }

    @Test
    void silenceWhileThisSideHoldsTheServerBackIsNotCounted() throws Exception {
        holdingBack.set(true);
        KeepAlive k = keepAlive(() -> CompletableFuture.completedFuture(null));
        k.start();
        Thread.sleep(600);      // three times interval plus timeout
        assertThat(dead).isNotDone();
        assertThat(pings.get()).isZero();
        holdingBack.set(false);
        assertThat(dead.get(60, TimeUnit.SECONDS)).startsWith("codex app-server answered nothing");
    }

    @Test
    void aZeroIntervalTurnsItOff() throws Exception {
        KeepAlive k = new KeepAlive(Duration.ZERO, TIMEOUT, () -> false, () -> false, () -> {
            pings.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        }, dead::complete);
        k.start();
        Thread.sleep(400);
        assertThat(dead).isNotDone();
        assertThat(pings.get()).isZero();
    }
}
