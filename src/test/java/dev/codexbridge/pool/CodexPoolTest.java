package dev.codexbridge.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.transport.CodexEndpoint;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The pool's rules where no app-server answers: nothing placed, clear refusals, nothing left running. */
class CodexPoolTest {
    private static CodexEndpoint nothingListening() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return CodexEndpoint.parse("ws://127.0.0.1:" + s.getLocalPort());
        }
    }

    private static boolean healthThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().startsWith("codex-bridge-pool-health"));
    }

    @Test
    void endpointsThatDoNotAnswerAreDownAndNoSessionIsPlaced() throws Exception {
        try (CodexPool pool = CodexPool.builder().endpoint("a", nothingListening()).endpoint("b", nothingListening(), 3)
                .maxThreadsPerEndpoint(5).probeTimeout(Duration.ofSeconds(2)).build()) {
            assertThat(pool.endpoints()).extracting(EndpointState::name).containsExactly("a", "b");
            assertThat(pool.endpoints()).extracting(EndpointState::maxThreads).containsExactly(5, 3);
            assertThat(pool.endpoints()).allSatisfy(e -> {
                assertThat(e.healthy()).isFalse();
                assertThat(e.connected()).isFalse();
                assertThat(e.lastProbe()).isNotNull();
                assertThat(e.detail()).contains("/readyz unreachable");
            });
            assertThatThrownBy(() -> pool.newSession(b -> { })).isInstanceOf(PoolException.class)
                    .hasMessageContaining("no healthy endpoint has room").hasMessageContaining("a down (");
        }
    }

    @Test
    void aThreadThePoolNeverPlacedCannotBeResumedWithoutASharedHome() throws Exception {
        try (CodexPool pool = CodexPool.builder().endpoint("a", nothingListening()).build()) {
            assertThatThrownBy(() -> pool.resumeSession("thread-1", b -> { })).isInstanceOf(PoolException.class)
                    .hasMessageContaining("thread thread-1 is on no endpoint of this pool that answered: a is down")
                    .hasMessageContaining("do not share CODEX_HOME");
            pool.assign("thread-1", "a");
            assertThat(pool.endpointOf("thread-1")).contains("a");
            assertThatThrownBy(() -> pool.resumeSession("thread-1", b -> { })).isInstanceOf(PoolException.class)
                    .hasMessageContaining("lives on endpoint a").hasMessageContaining("is down");
            pool.forget("thread-1");
            assertThat(pool.endpointOf("thread-1")).isEmpty();
            assertThatThrownBy(() -> pool.assign("thread-2", "nope")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theBuilderRefusesWhatCannotWork() throws Exception {
        CodexEndpoint ep = nothingListening();
        assertThatThrownBy(() -> CodexPool.builder().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> CodexPool.builder().endpoint("a", ep).endpoint("a", ep)).hasMessageContaining("two endpoints");
        assertThatThrownBy(() -> CodexPool.builder().maxThreadsPerEndpoint(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CodexPool.builder().healthInterval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closingStopsTheHealthChecksAndRefusesNewSessions() throws Exception {
        CodexPool pool = CodexPool.builder().endpoint("a", nothingListening()).healthInterval(Duration.ofMillis(100)).build();
        assertThat(healthThreadAlive()).isTrue();
        pool.close();
        assertThat(healthThreadAlive()).isFalse();
        assertThatThrownBy(() -> pool.newSession(b -> { })).isInstanceOf(PoolException.class).hasMessageContaining("closed");
    }
}
