package dev.codexbridge.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.spi.SendChecks;
import dev.codexbridge.store.spi.StoreChecks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;

/**
 * The send records of a {@link DiskConversationStore} ({@link SendRecords}; decision 0117): one
 * small JSON file per key in the store's {@code .sends/} folder, named by the key's digest
 * ({@link SendKey#digest}), replaced whole by a rename and changed under the lock of its digest
 * ({@link DiskLocks}), so the threads of a JVM and the processes of the machine claim a key one at
 * a time. A hold ends with its time only. Every hundredth new claim forgets the records unchanged
 * for the window (by their files' times) and, beyond the count, the least recently changed.
 */
final class DiskSendRecords implements SendRecords {
    private static final Logger LOG = SafeLogger.getLogger(DiskConversationStore.class);
    static final String FOLDER = ".sends";
    private static final String SUFFIX = ".json";
    /** A record holds a key, a principal, an answer (1 MiB, escaped at most six times) and a few short fields. */
    private static final long MAX_BYTES = 8L * SendChecks.MAX_OUTCOME_BYTES;
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);
    /** New claims between two looks at the whole folder. */
    private static final int PRUNE_EVERY = 100;

    private final java.nio.file.Path root;
    private final boolean handles;
    private final DiskLocks locks;
    private final Clock clock;
    private final Duration window;
    private final int max;
    private final BooleanSupplier closed;
    private final AtomicInteger claims = new AtomicInteger();

    DiskSendRecords(java.nio.file.Path root, boolean handles, DiskLocks locks, Clock clock, Duration window, int maxRecords,
            BooleanSupplier closed) {
        SendChecks.bounds(window, maxRecords);
        this.root = root;
        this.handles = handles;
        this.locks = locks;
        this.clock = clock;
        this.window = window;
        this.max = maxRecords;
        this.closed = closed;
    }

    @Override
    public SendClaim claim(SendKey key, String fingerprint, String holder, Duration hold) {
        SendChecks.claim(key, fingerprint, holder, hold);
        SendClaim claim = locked(key, "claiming", dir -> {
            Instant now = clock.instant();
            Optional<SendRecord> found = read(dir, key, now);
            if (found.isPresent()) {
                return new SendClaim.Found(found.get());
            }
            SendRecord mine = new SendRecord(key, fingerprint, holder, StoreChecks.newToken(), now, StoreChecks.expiry(now, hold), null, false);
            write(dir, mine);
            return new SendClaim.Claimed(mine.token(), mine.heldUntil());
        });
        if (claim instanceof SendClaim.Claimed && claims.incrementAndGet() % PRUNE_EVERY == 0) {
            prune();
        }
        return claim;
    }

    @Override
    public boolean renew(SendKey key, String token, Duration hold) {
        StoreChecks.ttl(hold);
        return locked(key, "renewing the hold on", dir -> change(dir, key, token, r -> new SendRecord(key, r.fingerprint(), r.holder(),
                token, r.createdAt(), StoreChecks.expiry(clock.instant(), hold), null, false)));
    }

    @Override
    public boolean settle(SendKey key, String token, String outcome) {
        SendChecks.outcome(outcome);
        return locked(key, "answering", dir -> change(dir, key, token, r -> new SendRecord(key, r.fingerprint(), r.holder(), token,
                r.createdAt(), r.heldUntil(), outcome, false)));
    }

    @Override
    public void release(SendKey key, String token) {
        locked(key, "releasing", dir -> {
            Optional<SendRecord> r = read(dir, key, clock.instant());
            if (r.isPresent() && r.get().token().equals(token) && !r.get().answered()) {
                dir.delete(key.digest() + SUFFIX);
            }
            return null;
        });
    }

    @Override
    public Optional<SendRecord> find(SendKey key) {
        if (closed.getAsBoolean()) {
            throw new StoreClosedException(null, "in " + root);
        }
        try (DiskFolder top = DiskFolder.open(root, handles); DiskFolder dir = top.folder(FOLDER)) {
            return read(dir, key, clock.instant());
        } catch (NoSuchFileException none) {
            return Optional.empty();
        } catch (IOException e) {
            throw failed("reading", e);
        }
    }

    /** The record under the claim {@code token}, unanswered, changed by {@code next}; false when there is none such. */
    private boolean change(DiskFolder dir, SendKey key, String token, java.util.function.UnaryOperator<SendRecord> next) throws IOException {
        Optional<SendRecord> r = read(dir, key, clock.instant());
        if (r.isEmpty() || !r.get().token().equals(token) || r.get().answered()) {
            return false;
        }
        write(dir, next.apply(r.get()));
        return true;
    }

    /** The key's record within the window; one that cannot be read, or is another key's, is none (and replaced by the next claim). */
    private Optional<SendRecord> read(DiskFolder dir, SendKey key, Instant now) throws IOException {
        byte[] bytes;
        try {
            bytes = dir.readSmall(key.digest() + SUFFIX, MAX_BYTES);
        } catch (NoSuchFileException none) {
            return Optional.empty();
        }
        SendRecord r;
        try {
            JsonNode n = Json.mapper().readTree(bytes);
            SendKey named = new SendKey(n.path("scope").asText(), n.path("principal").asText(), n.path("key").asText());
            if (!named.equals(key)) {
                throw new IOException("it names another request");
            }
            JsonNode outcome = n.get("outcome");
            r = new SendRecord(key, n.path("fingerprint").asText(), n.path("holder").asText(), n.path("token").asText(),
                    Instant.parse(n.path("createdAt").asText()), Instant.parse(n.path("heldUntil").asText()),
                    outcome == null || outcome.isNull() ? null : outcome.asText(), false);
        } catch (IOException | RuntimeException e) {
            LOG.warn("the send record {} in {} cannot be read and counts as none: {}", key.digest(), root, e.toString());
            return Optional.empty();
        }
        if (!r.createdAt().plus(window).isAfter(now)) {
            return Optional.empty();
        }
        return Optional.of(!r.answered() && !r.heldUntil().isAfter(now)
                ? new SendRecord(key, r.fingerprint(), r.holder(), r.token(), r.createdAt(), r.heldUntil(), null, true) : r);
    }

    private static void write(DiskFolder dir, SendRecord r) throws IOException {
        ObjectNode n = Json.object().put("scope", r.key().scope()).put("principal", r.key().principal()).put("key", r.key().key())
                .put("fingerprint", r.fingerprint()).put("holder", r.holder()).put("token", r.token())
                .put("createdAt", r.createdAt().toString()).put("heldUntil", r.heldUntil().toString());
        n.put("outcome", r.outcome());
        dir.replace(r.key().digest() + SUFFIX, Json.write(n).getBytes(StandardCharsets.UTF_8));
    }

    /** Forgets the records past the window, then the least recently changed beyond the count, each under its own lock. */
    void prune() {
        try (DiskFolder top = DiskFolder.open(root, handles); DiskFolder dir = top.folder(FOLDER)) {
            // the files' own times, on the system's clock: a record is read against the store's clock, and only kept by these
            Instant now = Instant.now();
            record Entry(String name, Instant changed) {
            }
            List<Entry> entries = new ArrayList<>();
            for (String name : dir.names()) {
                try {
                    Instant changed = dir.attributes(name).lastModifiedTime().toInstant();
                    if (name.startsWith(DiskConversationStore.TMP) && changed.isBefore(now.minus(LOCK_TIMEOUT))) {
                        dir.delete(name);    // a replace a crash cut short
                    } else if (name.endsWith(SUFFIX)) {
                        entries.add(new Entry(name, changed));
                    }
                } catch (NoSuchFileException gone) {
                    // changed meanwhile
                }
            }
            entries.sort(Comparator.comparing(Entry::changed));
            int over = entries.size() - max;
            for (Entry e : entries) {
                boolean expired = !e.changed().plus(window).isAfter(now);
                if (!expired && over <= 0) {
                    break;
                }
                if (forget(top, e.name(), e.changed())) {
                    over--;
                }
            }
        } catch (NoSuchFileException none) {
            // no record yet
        } catch (IOException e) {
            LOG.warn("the send records in {} could not be pruned: {}", root, e.toString());
        }
    }

    /** Deletes the record {@code name} unless it changed since {@code seen}, under its digest's lock. */
    private boolean forget(DiskFolder top, String name, Instant seen) throws IOException {
        String digest = name.substring(0, name.length() - SUFFIX.length());
        DiskLocks.Held held = locks.hold("send:" + digest, LOCK_TIMEOUT);
        try (DiskFolder dir = top.folder(FOLDER)) {
            if (!dir.attributes(name).lastModifiedTime().toInstant().equals(seen)) {
                return false;
            }
            dir.delete(name);
            return true;
        } catch (NoSuchFileException gone) {
            return false;
        } finally {
            held.close();
        }
    }

    private interface Work<T> {
        T run(DiskFolder dir) throws IOException;
    }

    private <T> T locked(SendKey key, String doing, Work<T> work) {
        if (closed.getAsBoolean()) {
            throw new StoreClosedException(null, "in " + root);
        }
        DiskLocks.Held held = locks.hold("send:" + key.digest(), LOCK_TIMEOUT);
        try (DiskFolder top = DiskFolder.open(root, handles)) {
            try {
                top.createFolder(FOLDER);
            } catch (FileAlreadyExistsException exists) {
                // checked as it is opened: a folder, not a link to one
            }
            try (DiskFolder dir = top.folder(FOLDER)) {
                return work.run(dir);
            }
        } catch (IOException e) {
            throw failed(doing, e);
        } finally {
            held.close();
        }
    }

    private ConversationStoreException failed(String doing, IOException e) {
        return new ConversationStoreException(null, doing + " a send record in " + root + " failed: " + e, e);
    }

    @Override
    public String toString() {
        return "send records in " + root + "/" + FOLDER;
    }

    /** For a test: how many records the folder holds. */
    int size() throws IOException {
        try (DiskFolder top = DiskFolder.open(root, handles); DiskFolder dir = top.folder(FOLDER)) {
            return (int) dir.names().stream().filter(n -> n.endsWith(SUFFIX)).count();
        } catch (NoSuchFileException none) {
            return 0;
        }
    }
}
