package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.DoorRecords;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The door's responses as door records in the conversation store (decision 0126), so that every
 * replica sharing it answers {@code GET}, {@code input_items}, {@code DELETE} and
 * {@code previous_response_id} for a response another one answered, and a restart forgets none.
 * A response is the in-memory record's deflated JSON ({@link ResponseRecords.Kept}) behind a short
 * header naming its principal, thread and turn; a thread's newest response is a record of its own,
 * read from the store each time (another replica may have gone on since).
 *
 * <p>A store that does not take a write costs the other replicas' view only until it is back: the
 * response is kept in this process ({@code unkept}, bounded) and answered from there, the answer
 * goes out, and the write is tried again every second ({@link #RETRY}) while this process keeps it.
 * A thread's newest response written again that way does not replace one another replica wrote
 * since: only an empty record, or the one it went on from, and only over what it read
 * ({@link DoorRecords#replace}). A store that does not answer a read is
 * 503, "send again".
 */
final class StoredResponseRecords implements ResponseRecords {
    private static final Logger LOG = LoggerFactory.getLogger(StoredResponseRecords.class);
    static final String RESPONSE = "openai.response";
    static final String NEWEST = "openai.response-newest";
    /** A cancel asked on one replica for a background response another one runs. */
    static final String CANCEL = "openai.response-cancel";

    /**
     * How old a running response's last write may be before it reads as ended with the replica that
     * ran it: ten of its writes ({@link BackgroundAcrossReplicas#RUNNING_EVERY}) missed.
     */
    static final Duration RUNNING_GONE = Duration.ofSeconds(20);

    /** How long after a write the store did not take it is tried again. */
    static final Duration RETRY = Duration.ofSeconds(1);

    private final DoorRecords records;
    /** What the store did not take, in this process until it goes (at most {@code max}, least recently used first). */
    private final ResponseRecords unkept;
    private final int max;
    /** Responses the store did not take, to be written once it does; the oldest dropped beyond {@link #max}. */
    private final Map<String, Entry> unwritten = new LinkedHashMap<>();
    /** Threads whose newest response the store did not take: the response and the one it went on from (or null). */
    private final Map<String, String[]> newestUnwritten = new LinkedHashMap<>();
    private final AtomicBoolean retrying = new AtomicBoolean();
    /** One response's writes in order, striped: a running snapshot never lands after (over) its end. */
    private final Object[] order = new Object[64];
    private final Clock clock;
    private volatile boolean closed;

    StoredResponseRecords(DoorRecords records, int max) {
        this(records, max, Clock.systemUTC());
    }

    StoredResponseRecords(DoorRecords records, int max, Clock clock) {
        this.records = records;
        this.unkept = ResponseRecords.inMemory(max);
        this.max = max;
        this.clock = clock;
        java.util.Arrays.setAll(order, i -> new Object());
    }

    private Object orderOf(String id) {
        return order[Math.floorMod(id.hashCode(), order.length)];
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public void running(Entry entry, java.util.function.BooleanSupplier stillRunning) {
        if (records.unreachable()) {
            return;
        }
        synchronized (orderOf(entry.id())) {
            if (!stillRunning.getAsBoolean()) {
                return;
            }
            try {
                write(entry, clock.millis());
            } catch (ConversationStoreException | IllegalArgumentException e) {
                LOG.debug("running response {} as it stands was not written ({}): the next write or its end follows", entry.id(),
                        e.getMessage());
            }
        }
    }

    @Override
    public void forgetRunning(String id) {
        try {
            if (!records.unreachable()) {
                records.delete(RESPONSE, id);
            }
        } catch (ConversationStoreException e) {
            LOG.debug("response {}, never made, stays in the store as it began until it reads failed ({})", id, e.getMessage());
        }
    }

    @Override
    public void askCancel(String principal, String id) {
        read(() -> {
            records.put(CANCEL, id, principal.getBytes(StandardCharsets.UTF_8));
            return null;
        });
    }

    @Override
    public boolean takeCancelAsk(String id) {
        try {
            return records.delete(CANCEL, id);
        } catch (ConversationStoreException e) {
            return false;
        }
    }

    /**
     * Writes the response, or keeps it for the retries when the store does not take it — at once,
     * without trying, while the store is known not to answer: the caller's answer does not wait out
     * the store's timeout a second time after its turn (the retries ask the store meanwhile).
     */
    @Override
    public void put(Entry entry) {
        if (records.unreachable()) {
            keepForLater(entry, "the store is not answering");
            return;
        }
        try {
            synchronized (orderOf(entry.id())) {
                write(entry, null);
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("response {} is kept in this process only ({}): another replica answers it 404", entry.id(), e.getMessage());
            unkept.put(entry);
        } catch (ConversationStoreException e) {
            keepForLater(entry, e.getMessage());
        }
    }

    private void keepForLater(Entry entry, String why) {
        LOG.warn("response {} is kept in this process until the store takes it ({}): another replica answers it 404 meanwhile",
                entry.id(), why);
        unkept.put(entry);
        synchronized (this) {
            unwritten.put(entry.id(), entry);
            trim(unwritten);
        }
        retryLater();
    }

    /**
     * Writes {@code entry} as the store keeps it: its header, then the in-memory record's deflated
     * JSON; {@code runningAt}: when a response still running was written as it stands.
     */
    private void write(Entry entry, @Nullable Long runningAt) {
        Kept k = Kept.of(entry);
        ObjectNode header = Json.object().put("principal", k.principal()).put("thread", k.threadId()).put("turn", k.turnId());
        if (runningAt != null) {
            header.put("running_ms", runningAt);
        }
        byte[] head = Json.write(header).getBytes(StandardCharsets.UTF_8);
        records.put(RESPONSE, entry.id(), ByteBuffer.allocate(4 + head.length + k.json().length).putInt(head.length).put(head)
                .put(k.json()).array());
    }

    @Override
    public void newest(String threadId, String responseId, @Nullable String superseded) {
        unkept.newest(threadId, responseId, superseded);
        if (records.unreachable()) {
            newestForLater(threadId, responseId, superseded, "the store is not answering");
            return;
        }
        try {
            records.put(NEWEST, threadId, responseId.getBytes(StandardCharsets.UTF_8));
            synchronized (this) {
                newestUnwritten.remove(threadId);
            }
        } catch (ConversationStoreException e) {
            newestForLater(threadId, responseId, superseded, e.getMessage());
        }
    }

    private void newestForLater(String threadId, String responseId, @Nullable String superseded, String why) {
        LOG.warn("response {} is the newest of thread {} in this process until the store takes it ({})", responseId, threadId, why);
        synchronized (this) {
            newestUnwritten.put(threadId, new String[] {responseId, superseded});
            trim(newestUnwritten);
        }
        retryLater();
    }

    private void trim(Map<String, ?> pending) {
        Iterator<String> oldest = pending.keySet().iterator();
        while (pending.size() > max && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
        }
    }

    /** One try of what the store did not take, a second from now (one at a time, off the caller's thread). */
    private void retryLater() {
        if (!closed && retrying.compareAndSet(false, true)) {
            CompletableFuture.runAsync(this::retry, CompletableFuture.delayedExecutor(RETRY.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    private void retry() {
        try {
            List<Entry> responses;
            Map<String, String[]> pointers;
            synchronized (this) {
                responses = List.copyOf(unwritten.values());
                pointers = new LinkedHashMap<>(newestUnwritten);
            }
            for (Entry e : responses) {
                synchronized (orderOf(e.id())) {
                    write(e, null);
                }
                synchronized (this) {
                    unwritten.remove(e.id(), e);
                }
                LOG.info("response {} is in the store now: every replica answers it", e.id());
            }
            for (Map.Entry<String, String[]> p : pointers.entrySet()) {
                String thread = p.getKey();
                String ours = p.getValue()[0];
                String wentOnFrom = p.getValue()[1];
                byte[] stored = records.get(NEWEST, thread).orElse(null);
                // another replica's newer response stays: written over only when empty, or still the one this one went on from,
                // and only over what was read (a replica going on in between keeps its own)
                if (stored == null || new String(stored, StandardCharsets.UTF_8).equals(wentOnFrom)) {
                    records.replace(NEWEST, thread, stored, ours.getBytes(StandardCharsets.UTF_8));
                }
                synchronized (this) {
                    newestUnwritten.remove(thread, p.getValue());
                }
            }
        } catch (ConversationStoreException e) {
            LOG.debug("the store still takes no door record: tried again in {} ms ({})", RETRY.toMillis(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("writing the responses the store did not take failed", e);
        } finally {
            retrying.set(false);
            boolean more;
            synchronized (this) {
                more = !unwritten.isEmpty() || !newestUnwritten.isEmpty();
            }
            if (more) {
                retryLater();
            }
        }
    }

    /**
     * One last try of what the store did not take, on this thread, waiting for a try under way;
     * what is still not written is said at WARN: other replicas answer it 404, and it goes with
     * this process.
     */
    @Override
    public void close() {
        closed = true;
        // a try due or under way ends within a second and the store's timeout
        while (!retrying.compareAndSet(false, true)) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        retry();
        int responses;
        int pointers;
        synchronized (this) {
            responses = unwritten.size();
            pointers = newestUnwritten.size();
        }
        if (responses + pointers > 0) {
            LOG.warn("the OpenAI door closes with {} response(s) and {} conversation pointer(s) the store did not take: other replicas "
                    + "answer them 404, and they go with this process", responses, pointers);
        }
    }

    @Override
    public Optional<Entry> get(String principal, String id) {
        Optional<Entry> here = unkept.get(principal, id);
        if (here.isPresent()) {
            return here;
        }
        return read(() -> records.get(RESPONSE, id)).map(v -> decode(id, v, clock.millis())).filter(e -> e.principal().equals(principal));
    }

    @Override
    public boolean delete(String principal, String id) {
        boolean here = unkept.delete(principal, id);
        if (here) {
            synchronized (this) {
                unwritten.remove(id);     // deleted before the store took it: never written
            }
        }
        if (get(principal, id).isEmpty()) {
            return here;
        }
        return read(() -> records.delete(RESPONSE, id)) || here;
    }

    @Override
    public Optional<String> newestOn(String threadId) {
        Optional<byte[]> stored = read(() -> records.get(NEWEST, threadId));
        return stored.isPresent() ? stored.map(v -> new String(v, StandardCharsets.UTF_8)) : unkept.newestOn(threadId);
    }

    /**
     * The response kept as {@code value}; null, said once, for one that cannot be read (it answers
     * as unknown). A response written as it stood while it ran, not written again for
     * {@link #RUNNING_GONE} by {@code nowMillis}, ended with the replica that ran it (or its end is
     * still on its way to the store from a replica cut off from it): it reads failed.
     */
    static Entry decode(String id, byte[] value, long nowMillis) {
        try {
            int headLength = ByteBuffer.wrap(value).getInt();
            JsonNode header = Json.parse(new String(value, 4, headLength, StandardCharsets.UTF_8));
            byte[] json = java.util.Arrays.copyOfRange(value, 4 + headLength, value.length);
            Entry e = new Kept(header.path("principal").asText(), header.path("thread").asText(), header.path("turn").asText(), json)
                    .entry(id);
            if (header.has("running_ms") && nowMillis - header.path("running_ms").asLong() > RUNNING_GONE.toMillis()) {
                return gone(e, "the server running this response stopped before its turn ended, or before its end reached the "
                        + "store; the conversation goes on from its newest response");
            }
            return e;
        } catch (RuntimeException e) {
            LOG.warn("response {} in the store cannot be read and answers as unknown: {}", id, e.toString());
            return null;
        }
    }

    /** {@code e} as failed with {@code why}: the replica that ran it went before its end was written. */
    private static Entry gone(Entry e, String why) {
        ObjectNode gone = ((ObjectNode) e.response()).deepCopy().put("status", "failed");
        gone.putObject("error").put("code", "server_error").put("message", why);
        return new Entry(e.id(), e.principal(), e.threadId(), e.turnId(), gone, e.inputItems());
    }

    private static <T> T read(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (ConversationStoreException e) {
            throw OpenAiError.unavailable("store_unavailable", "the conversation store did not answer; nothing was run: send this again", 2);
        }
    }
}
