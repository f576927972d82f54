package dev.codexbridge.callers;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.SendClaim;
import dev.codexbridge.store.SendKey;
import dev.codexbridge.store.SendRecord;
import dev.codexbridge.store.SendRecords;
import dev.codexbridge.store.spi.SendChecks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * A door's side of the requests callers send with an idempotency key (decision 0117; docs/mcp.md,
 * docs/openai.md, "Sending again"): the first request with a key runs and its answer is kept in
 * {@link SendRecords} — the conversation store's, so every host sharing it knows it — and a copy
 * (its caller got no answer and sent it again, to this host or another) is answered with that
 * answer, never run again.
 *
 * <pre>{@code
 * Resends.Send send = resends.begin(new SendKey("openai", principal, key), fingerprint, () -> unknownAnswer);
 * if (send.answer() != null) {
 *     return send.answer();                  // a copy: the first's answer
 * }
 * try (send) {
 *     ... refused before codex was asked: send.notRun(); throw
 *     String answer = run();                  // codex runs it
 *     send.answered(answer, () -> tooLargeAnswer);
 *     return answer;
 * }                                           // neither said (the door failed inside): copies get the unknown answer
 * }</pre>
 *
 * <p>A copy that arrives while the first runs waits for its answer: on this host for the first's
 * own end, on another by reading the record every {@link #POLL} — up to {@link #JOIN_WAIT}, then
 * {@link StillRunning}. The first holds its record while it runs ({@link #HOLD}, renewed every
 * third of it); a record whose holder stopped holding it (the host died: its hold ran out, or its
 * PostgreSQL session ended) is answered with the door's {@code unknown} answer, kept so every copy
 * gets the same: codex may have run the request, and it is never run a second time. A request the
 * door refused before codex was asked ({@link Send#notRun}) is forgotten: a copy runs it.
 */
public final class Resends {
    private static final Logger LOG = SafeLogger.getLogger(Resends.class);
    /** How long the first holds its record without renewing it: a door's lease (decision 0076). */
    public static final Duration HOLD = Duration.ofSeconds(6);
    /** How long a copy waits for the first's answer before it is told to send again later. */
    public static final Duration JOIN_WAIT = Duration.ofMinutes(10);
    /** How often a copy reads the record of a first running on another host. */
    static final Duration POLL = Duration.ofMillis(250);
    /**
     * How long a caller's answer waits for its record's last write (its outcome kept, or its claim
     * let go): the write goes on after it, so a store not yet known to be away costs the caller
     * this, not the pool's whole timeout (issue 81's bound on answers while the store is away).
     */
    static final Duration CALLERS_WAIT = Duration.ofSeconds(1);

    private final SendRecords records;
    private final String holder;
    private final Duration joinWait;
    /** The requests this host runs now, by key: a copy arriving here waits on the first's own end. */
    private final Map<SendKey, CompletableFuture<Optional<String>>> running = new ConcurrentHashMap<>();

    private Resends(SendRecords records, String holder, Duration joinWait) {
        this.records = Objects.requireNonNull(records, "records");
        this.holder = Objects.requireNonNull(holder, "holder");
        this.joinWait = joinWait;
    }

    /** Over {@code records}, this host named {@code holder} in them. */
    public static Resends over(SendRecords records, String holder) {
        return new Resends(records, holder, JOIN_WAIT);
    }

    /** As {@link #over}, a copy waiting at most {@code joinWait} for the first's answer. */
    public static Resends over(SendRecords records, String holder, Duration joinWait) {
        return new Resends(records, holder, joinWait);
    }

    /** In this process only, with the default bounds ({@link SendRecords#inMemory()}). */
    public static Resends inMemory() {
        return over(SendRecords.inMemory(), "this-process");
    }

    /**
     * A request's fingerprint, the same for the same request however its JSON was written: the
     * SHA-256 of {@code what} (the door's route or tool) and the request with every object's
     * members in order. A copy must match its first's.
     */
    public static String fingerprint(String what, com.fasterxml.jackson.databind.JsonNode request) {
        return dev.codexbridge.store.spi.Sha256.hex((what + "\n" + dev.codexbridge.json.Json.write(sorted(request)))
                .getBytes(StandardCharsets.UTF_8));
    }

    private static com.fasterxml.jackson.databind.JsonNode sorted(com.fasterxml.jackson.databind.JsonNode n) {
        if (n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
            com.fasterxml.jackson.databind.node.ObjectNode out = dev.codexbridge.json.Json.object();
            java.util.List<String> names = new java.util.ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            names.forEach(name -> out.set(name, sorted(o.get(name))));
            return out;
        }
        if (n instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
            com.fasterxml.jackson.databind.node.ArrayNode out = dev.codexbridge.json.Json.mapper().createArrayNode();
            a.forEach(x -> out.add(sorted(x)));
            return out;
        }
        return n;
    }

    /** The records behind this door's sends. */
    public SendRecords records() {
        return records;
    }

    /**
     * The request {@code key} names, its body's {@code fingerprint} (a copy must have the same):
     * a copy's {@link Send#answer}, or this call's to run.
     *
     * @param unknown the door's answer for a first whose host died while it ran: it may have run
     * @throws Mismatch    when the key was sent before with another request
     * @throws StillRunning when the first still runs after {@link #JOIN_WAIT}
     */
    public Send begin(SendKey key, String fingerprint, Supplier<String> unknown) {
        return begin(key, fingerprint, unknown, () -> false);
    }

    /**
     * {@link #begin(SendKey, String, Supplier)}, where a copy waiting for the first's answer stops
     * waiting once {@code stopping} says so (its door drains: issue 81, item 3) and is told
     * {@link StillRunning} — "send this again later" — within {@link #POLL}, rather than held until
     * the process exits and its connection closes without an answer.
     */
    public Send begin(SendKey key, String fingerprint, Supplier<String> unknown, BooleanSupplier stopping) {
        long deadline = System.nanoTime() + joinWait.toNanos();
        while (true) {
            SendClaim claim = records.claim(key, fingerprint, holder, HOLD);
            if (claim instanceof SendClaim.Claimed mine) {
                return new Send(key, mine.token(), unknown);
            }
            SendRecord first = ((SendClaim.Found) claim).record();
            if (!first.fingerprint().equals(fingerprint)) {
                throw new Mismatch(key);
            }
            Optional<String> answer = awaitAnswer(first, deadline, unknown, stopping);
            if (answer.isPresent()) {
                return new Send(key, answer.get());
            }
            // the first was not run after all (refused before codex was asked): this copy claims it anew
        }
    }

    /** The first's answer; empty when it was let go with none (nothing ran). */
    private Optional<String> awaitAnswer(SendRecord first, long deadline, Supplier<String> unknown,
                                         BooleanSupplier stopping) {
        SendRecord r = first;
        while (true) {
            if (r.answered()) {
                return Optional.of(r.outcome());
            }
            if (r.lapsed()) {
                // its host is gone: what codex did is not known here, and it is never run again
                records.settle(r.key(), r.token(), SendChecks.outcome(unknown.get()));
                return records.find(r.key()).map(SendRecord::outcome);
            }
            CompletableFuture<Optional<String>> here = running.get(r.key());
            long left = deadline - System.nanoTime();
            if (left <= 0 || stopping.getAsBoolean()) {
                throw new StillRunning(r.key());
            }
            try {
                if (here != null) {
                    // in slices, so that a door that starts stopping meanwhile answers this copy "send again later"
                    return here.get(Math.min(left, POLL.toNanos()), TimeUnit.NANOSECONDS);
                }
                Thread.sleep(Math.min(POLL.toMillis(), Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StillRunning(r.key());
            } catch (TimeoutException e) {
                continue;       // the first here still runs: the wait's bound and the door's stop are looked at again
            } catch (ExecutionException e) {
                // the first's own end failed to be kept: read what the record says
            }
            Optional<SendRecord> now = records.find(r.key());
            if (now.isEmpty() || !now.get().token().equals(r.token())) {
                return Optional.empty();
            }
            r = now.get();
        }
    }

    /**
     * One request sent with a key: a copy's answer ({@link #answer}), or the first, which says how
     * it ended — {@link #answered} or {@link #notRun} — and holds its record until then.
     */
    public final class Send implements AutoCloseable {
        /** How often a release the store did not answer is tried again, a second apart. */
        static final int RELEASE_TRIES = 60;
        private final SendKey key;
        private final @Nullable String token;
        private final @Nullable String answer;
        private final @Nullable ScheduledFuture<?> renewal;
        private final @Nullable CompletableFuture<Optional<String>> done;
        private final @Nullable Supplier<String> unknown;
        private boolean ended;

        private Send(SendKey key, String token, Supplier<String> unknown) {
            this.key = key;
            this.token = token;
            this.answer = null;
            this.unknown = unknown;
            this.done = new CompletableFuture<>();
            running.put(key, done);
            long every = HOLD.toMillis() / 3;
            this.renewal = RpcThreads.timer().scheduleWithFixedDelay(() -> RpcThreads.leases().execute(this::renew), every, every,
                    TimeUnit.MILLISECONDS);
        }

        private Send(SendKey key, String answer) {
            this.key = key;
            this.token = null;
            this.answer = answer;
            this.renewal = null;
            this.done = null;
            this.unknown = null;
            this.ended = true;
        }

        /** The first's answer, when this is a copy; null when this call runs the request. */
        public @Nullable String answer() {
            return answer;
        }

        private void renew() {
            try {
                if (!records.renew(key, token, HOLD)) {
                    end();
                }
            } catch (RuntimeException e) {
                // the store did not answer: the next renewal tries again, within the hold
                LOG.debug("renewing the hold on a send failed: {}", e.toString());
            }
        }

        /**
         * The request's answer, kept for its copies; one too large to keep is kept as {@code tooLarge}.
         * A store that does not answer keeps nothing, said once at WARN, and the answer still goes
         * to its caller: the record's hold lapses, and a copy is told the first may have run (never
         * run again).
         */
        public synchronized void answered(String outcome, Supplier<String> tooLarge) {
            if (ended) {
                return;
            }
            String kept = outcome.getBytes(StandardCharsets.UTF_8).length <= SendChecks.MAX_OUTCOME_BYTES && outcome.indexOf('\0') < 0
                    ? outcome : tooLarge.get();
            try {
                onTheCallersTimeAtMost(() -> {
                    try {
                        if (!records.settle(key, token, kept)) {
                            LOG.warn("the answer to a request sent with an idempotency key was not kept: its record was settled "
                                    + "meanwhile (its hold lapsed while it ran); its copies get what the record says");
                        }
                    } catch (ConversationStoreException e) {
                        LOG.warn("the answer to a request sent with an idempotency key was not kept: the store did not answer ({}); "
                                + "its copies are told it may have run, and it is not run again", e.getMessage());
                    }
                });
            } finally {
                end(Optional.of(kept));
            }
        }

        /**
         * The request was refused before codex was asked: nothing ran, and a copy runs it. A store
         * that does not answer is asked again every second for up to {@value #RELEASE_TRIES} tries,
         * said once at WARN: a copy sent meanwhile is refused by the store's outage as the first
         * was, and one sent once the claim is let go runs.
         */
        public synchronized void notRun() {
            if (ended) {
                return;
            }
            try {
                onTheCallersTimeAtMost(() -> {
                    try {
                        records.release(key, token);
                    } catch (ConversationStoreException e) {
                        LOG.warn("a request sent with an idempotency key and not run is let go once the store answers ({})",
                                e.getMessage());
                        releaseLater(1);
                    }
                });
            } finally {
                end(Optional.empty());
            }
        }

        /**
         * Runs {@code write} (the record's last word) on the store threads, waiting for it at most
         * {@link #CALLERS_WAIT}: the caller's answer is not held back by a store that has not yet been
         * found away (a pool waiting its whole timeout), and the write goes on after it.
         */
        private void onTheCallersTimeAtMost(Runnable write) {
            CompletableFuture<Void> written;
            try {
                written = CompletableFuture.runAsync(write, RpcThreads.stores());
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                write.run();
                return;
            }
            try {
                written.get(CALLERS_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // said by the write itself when it fails; still under way otherwise
            }
        }

        private void releaseLater(int tries) {
            try {
                RpcThreads.timer().schedule(() -> RpcThreads.stores().execute(() -> {
                    try {
                        records.release(key, token);
                    } catch (ConversationStoreException again) {
                        if (tries < RELEASE_TRIES) {
                            releaseLater(tries + 1);
                        } else {
                            LOG.warn("a request sent with an idempotency key and not run was not let go: the store did not answer "
                                    + "for {} s; its copies are told it may have run", RELEASE_TRIES);
                        }
                    }
                }), 1, TimeUnit.SECONDS);
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                // the library is stopping: the claim's hold lapses by itself
            }
        }

        private synchronized void end() {
            if (renewal != null) {
                renewal.cancel(false);
            }
        }

        private void end(Optional<String> outcome) {
            ended = true;
            end();
            running.remove(key, done);
            done.complete(outcome);
        }

        /**
         * Ends a first that said neither: the door failed inside, and codex may have run the
         * request; it is answered with the door's {@code unknown} answer, for every copy.
         */
        @Override
        public void close() {
            if (!ended) {
                answered(unknown.get(), unknown);
            }
        }
    }

    /** The key was sent before with another request: the door answers it as a client's mistake, and nothing runs. */
    public static final class Mismatch extends CodexException {
        private static final long serialVersionUID = 1L;

        Mismatch(SendKey key) {
            super("idempotency key " + key.key() + " was sent before with another request: a new request needs a new key",
                    FailureKind.INVALID_INPUT);
        }
    }

    /** The first with this key still runs past the wait: the door answers "send this again later", nothing run. */
    public static final class StillRunning extends CodexException {
        private static final long serialVersionUID = 1L;

        StillRunning(SendKey key) {
            super("the request first sent with idempotency key " + key.key() + " is still running: nothing more was run; send this "
                    + "again later to get its answer", FailureKind.ALREADY_OPEN);
        }
    }
}
