package dev.codexbridge.chaos;

import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.pool.EndpointState;
import dev.codexbridge.rpc.WireTap;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.transport.CodexEndpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The host's side of a run across three app-servers ({@link ChaosPoolRun}): one {@link CodexPool}
 * over the endpoints {@code codex-0}, {@code codex-1}, … with a PostgreSQL conversation store, so a
 * session that sleeps goes into the store and wakes wherever the pool places it. The run drains and
 * undrains endpoints through the control file: a line {@code drain NAME} or {@code undrain NAME},
 * read every half second, each line acted on once.
 */
final class ChaosPoolHost implements AutoCloseable {
    /**
     * How long a killed host's leases keep its conversations from the next generation: the shortest
     * the library allows, whose least remainder at a host's death outlasts codex's unload of the
     * thread (with 10 s and with 40 s, runs saw a wake elsewhere overlap the dead host's loaded thread).
     */
    static final Duration LEASE = ConversationStorage.MIN_LEASE;
    /** What a sleep may take at most: codex's unload (the re-attach window) and the library's grace. */
    private static final Duration SLEEP_BOUND = ReconnectPolicy.DEFAULT_REATTACH_WINDOW.plusSeconds(11);

    private final CodexPool pool;
    private final PostgresConversationStore store;
    private final Path control;
    private final ChaosLog log;
    private final int generation;
    private int controlLinesDone;

    ChaosPoolHost(Map<String, String> args, WireTap wire, ChaosLog log, int generation) {
        this.log = log;
        this.generation = generation;
        this.control = Path.of(args.get("control"));
        this.store = PostgresConversationStore.builder().jdbcUrl(args.get("store")).maxPoolSize(4).build();
        int sessions = Integer.parseInt(args.get("sessions"));
        CodexPool.Builder b = CodexPool.builder()
                .storage(ConversationStorage.builder(store, "chaos-host-" + generation).leaseTime(LEASE).build())
                .healthInterval(Duration.ofSeconds(1))
                .clientConfigurer(c -> c.reconnect(ReconnectPolicy.DEFAULT).maxThreads(sessions + 16).wireTap(wire));
        List<String> endpoints = List.of(args.get("pool").split(","));
        for (int i = 0; i < endpoints.size(); i++) {
            b.endpoint(endpointName(i), CodexEndpoint.parse(endpoints.get(i)));
        }
        this.pool = b.build();
        // the control file's lines before this generation were the one before's to act on; the pool starts undrained
        this.controlLinesDone = controlLines().size();
    }

    static String endpointName(int i) {
        return "codex-" + i;
    }

    /** A slot's session, started: a new thread, or the kept one resumed wherever it lives or the store places it. */
    CodexSession open(String kept, Consumer<CodexSession.Builder> configure) {
        return kept == null ? pool.newSession(configure) : pool.resumeSession(kept, configure);
    }

    /** Acts on the control file's new lines. */
    void control() {
        List<String> lines = controlLines();
        for (; controlLinesDone < lines.size(); controlLinesDone++) {
            String[] words = lines.get(controlLinesDone).trim().split(" ");
            if (words.length != 2) {
                continue;
            }
            boolean drain = words[0].equals("drain");
            if (drain) {
                pool.drain(words[1]);
            } else {
                pool.undrain(words[1]);
            }
            log.write(ChaosLog.event(drain ? "drained" : "undrained").put("endpoint", words[1]).put("generation", generation));
        }
    }

    private List<String> controlLines() {
        try {
            return Files.exists(control) ? Files.readAllLines(control) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the control file", e);
        }
    }

    /**
     * At the stop: waits (up to {@code bound}) until no session has its thread attached, then as
     * long as a sleep may take, so every session has slept into the store (and given its lease
     * back) before the host exits and the run judges what the store holds.
     */
    void settle(Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline && pool.endpoints().stream().mapToInt(EndpointState::threads).sum() > 0) {
            Thread.sleep(200);
        }
        Thread.sleep(SLEEP_BOUND.toMillis());
        log.write(ChaosLog.event("settled").put("generation", generation)
                .put("awake", pool.endpoints().stream().mapToInt(EndpointState::threads).sum()));
    }

    @Override
    public void close() {
        pool.close();
        store.close();
    }
}
