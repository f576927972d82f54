package dev.codexbridge.store;

import dev.codexbridge.store.spi.DatabaseSession;
import dev.codexbridge.store.spi.LeaseCounts;
import dev.codexbridge.store.spi.OutageGate;
import dev.codexbridge.store.spi.StoreChecks;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Where sleeping conversations live between hosts (decision 0053; docs/store.md). Every
 * implementation keeps the same promises, checked by one contract test suite:
 *
 * <ul>
 *   <li><b>Whole or nothing.</b> {@link #put} stores the whole lineage and record or, when it fails
 *       at any point (a source that throws, a crash, a refused check), leaves the version before
 *       it — or nothing — in place.</li>
 *   <li><b>One host at a time.</b> A {@link ConversationLease} (holder, token, expiry; renewable)
 *       says who may write or wake a conversation now: {@link #lease} gives it to exactly one of
 *       any number of hosts asking at once, and {@link #put} and {@link #delete} refuse a lease
 *       that is not in force. A lease past its expiry is nobody's: it cannot be renewed or used,
 *       and any host may lease the conversation.</li>
 *   <li><b>Compare-and-set.</b> Besides the lease, every put names the version it was made from
 *       ({@link StoredConversation#version()}, 0 for a new conversation) and fails with
 *       {@link VersionConflictException} unless that is still the stored version: a write based on
 *       an old read is refused even from the lease's holder. The lease is checked first, so a
 *       conflict is found under a lease in force: every version stored since its holder took it is
 *       its holder's own (a put stored though its answer was lost, below).</li>
 *   <li><b>Checked on the way out.</b> {@link #get} checks every rollout against its size and
 *       SHA-256, that none is missing and that the record's format is known, and throws
 *       {@link CorruptConversationException} rather than return anything else.</li>
 *   <li><b>Bounded.</b> {@link StoreLimits} caps the lineage's bytes, its files and each text
 *       field; beyond them a put is refused with {@link ConversationTooLargeException}.</li>
 * </ul>
 *
 * <p>Lease expiry is measured with the store's clock (the host's, for both implementations), so
 * hosts sharing a store keep their clocks in step and choose a lease time well above their skew.
 * Methods block on storage: call them off the threads that must not wait (a session's wake runs
 * on the library's waits pool). Thread-safe; an instance is closed once the host stops using it.
 */
public interface ConversationStore extends AutoCloseable {
    /**
     * Leases {@code threadId} to {@code holder} (a name for the host, for messages and
     * {@link ConversationLeasedException#holder()}) for {@code ttl}, whether or not the conversation
     * is stored yet: a host leases a conversation before it first puts it.
     *
     * @throws ConversationLeasedException when a lease on it is in force, whoever holds it
     */
    ConversationLease lease(String threadId, String holder, Duration ttl);

    /**
     * The same lease, in force for {@code ttl} from now.
     *
     * @throws LeaseLostException when it expired, was released or was replaced
     */
    ConversationLease renew(ConversationLease lease, Duration ttl);

    /** Gives the lease back; false when it was no longer the conversation's lease (nothing changes then). */
    boolean release(ConversationLease lease);

    /**
     * Asks the host holding {@code threadId}'s lease to store the conversation and give the lease
     * back: its next {@link #renew} returns the lease {@linkplain ConversationLease#handOverAsked()
     * asked for} while the ask is fresh ({@link #HAND_OVER_ASK_FRESH}), and a session that is idle
     * lets go then (decision 0105). An asking host asks again while it waits; nothing else changes.
     *
     * @return whether a lease in force was found and asked; false, too, from a store that cannot
     *         carry the ask (this default), where a host waits for the lease to run out instead
     */
    default boolean askHandOver(String threadId) {
        StoreChecks.threadId(threadId);
        return false;
    }

    /** How long an ask for a conversation stays fresh: a holder renews at a third of its lease (a door's: 2 s) and acts on it then. */
    Duration HAND_OVER_ASK_FRESH = StoreChecks.HAND_OVER_ASK_FRESH;

    /**
     * Tells {@code action}, each time, as soon as this store hears that another host asked for
     * {@code lease}'s conversation ({@link #askHandOver}) — a PostgreSQL store: a notification on
     * its session with the database (decision 0118) — so that its holder acts on the ask at once
     * rather than at its next renewal. A hint: the renewal still carries the ask, should the word be
     * missed. On the store's own thread, so it must not block. Returns what ends the watch (call it
     * when the lease is given back).
     *
     * <p>This default never tells: the ask reaches the holder at its renewal.
     */
    default Runnable whenAsked(ConversationLease lease, Runnable action) {
        return () -> { };
    }

    /**
     * Completes when this store hears that the lease on {@code threadId} was given back while
     * another host asked for it — a PostgreSQL store: a notification (decision 0118) — so that a
     * host waiting to take it tries again at once rather than at its next look. A hint, never a
     * grant: {@link #lease} decides, and may refuse again. Ask for it before {@link #askHandOver},
     * so that a release between the two is not missed. Completed on the store's own thread: what
     * depends on it must not block there.
     *
     * <p>This default never completes: a waiting host looks again on its own time.
     */
    default CompletionStage<Void> whenReleased(String threadId) {
        StoreChecks.threadId(threadId);
        return new CompletableFuture<Void>().minimalCompletionStage();
    }

    /**
     * Tells {@code action}, once, when this store learns that {@code lease} can be in force no more
     * before its time is up — a PostgreSQL store whose own session with its database ended, which
     * frees every lease granted under it for the other hosts at once (decision 0113) — so that its
     * holder stops at once rather than at its next renewal. Told at once when that is known
     * already; on the store's own thread otherwise, so it must not block. Returns what ends the
     * watch (call it when the lease is given back).
     *
     * <p>This default never tells: a store whose leases end only with their time, or a renewal refused.
     */
    default Runnable whenLost(ConversationLease lease, Consumer<LeaseLostException> action) {
        return () -> { };
    }

    /**
     * Stores {@code conversation} under {@code lease} as the version after
     * {@code conversation.version()}, replacing what was stored; returns the record as stored (the
     * new version, the lineage backed by what was read from the sources).
     *
     * @throws LeaseLostException when the lease is not in force when the write is committed
     * @throws VersionConflictException when the stored version is not {@code conversation.version()}
     * @throws ConversationTooLargeException beyond the store's {@link StoreLimits}
     * @throws ConversationStoreException when a source fails or differs from its declared size or
     *         hash, or the storage fails; the version before stays, except where the failure is the
     *         answer's alone (a database connection broken as the commit went out): the put may then
     *         be stored, and the next put made from the version before conflicts with it
     */
    StoredConversation put(ConversationLease lease, StoredConversation conversation);

    /**
     * {@link #put}, where some rollouts only grew since {@code conversation.version()}: each of
     * {@code appends} says its file is the stored one at that path plus a tail, and a store that
     * takes appends writes only the tails, after checking each base against the file it holds at
     * that path in the version being replaced. Every other file of the lineage is stored whole from
     * its source. The lineage's {@link RolloutFile}s still declare each whole file's size and hash,
     * which every {@link #get} checks; their sources are read only by a store that does not take
     * appends — this default, which stores the whole lineage with {@link #put}.
     *
     * @throws StaleAppendException when a base is not the stored file (another size or hash, or
     *         none at that path); nothing changed, and the caller puts the whole lineage instead
     * @throws IllegalArgumentException when an append names a file the lineage does not have, or
     *         a size other than the lineage's for it
     * @see #put for the other failures
     */
    default StoredConversation putAppending(ConversationLease lease, StoredConversation conversation, List<RolloutAppend> appends) {
        StoreChecks.appends(conversation, appends);
        return put(lease, conversation);
    }

    /**
     * The conversation as stored, checked; empty when the store has none under {@code threadId}.
     * Its lineage is in memory (at most {@link StoreLimits#maxLineageBytes()}).
     *
     * @throws CorruptConversationException when it fails the check
     */
    Optional<StoredConversation> get(String threadId);

    /**
     * Who the stored conversation belongs to, read from its record alone (not its lineage): for an
     * access check on every call ({@code ThreadAccess.storedOwner}). Empty when the store holds no
     * conversation under {@code threadId} or its record names no owner. Both stores answer it from
     * one row or one manifest; this default reads the whole conversation.
     *
     * @throws CorruptConversationException when the record cannot be read
     */
    default Optional<ConversationOwner> ownerOf(String threadId) {
        return get(threadId).map(StoredConversation::owner);
    }

    /**
     * Removes the conversation and the lease on it.
     *
     * @return whether a conversation was stored
     * @throws LeaseLostException when the lease is not in force
     */
    boolean delete(ConversationLease lease);

    /**
     * Up to {@code limit} stored conversations in the order of their thread ids, starting after
     * {@code afterThreadId} (null: from the first). A record that cannot be read is left out and
     * logged, so one bad record does not hide the others; {@link #get} reports what is wrong with it.
     */
    List<ConversationSummary> list(@Nullable String afterThreadId, int limit);

    /**
     * Asks the store the cheapest question it has (a database: {@code SELECT 1} on a pooled
     * connection), for a door's readiness probe ({@link dev.codexbridge.callers.Readiness}): returns
     * when it answered. This default has nothing to ask (a store in this process's own files).
     *
     * @throws ConversationStoreException when the store did not answer
     */
    default void ping() {
    }

    /**
     * The gate in front of the store's database ({@link OutageGate}: whether it is down, since when,
     * how often, how many calls it refused), for a host's metrics; empty for a store with none (a
     * store in this process's own files).
     */
    default Optional<OutageGate> outageGate() {
        return Optional.empty();
    }

    /**
     * The store's own session with its database, which its leases end with, as records beside the
     * store on that database name it (the A2A door's replicas, decision 0138); empty for a store
     * with none (a store in this process's own files).
     */
    default Optional<DatabaseSession> databaseSession() {
        return Optional.empty();
    }

    /**
     * What this store's leases went through in this process ({@link LeaseCounts}: refusals, asks,
     * hand-overs, failovers), for a host's metrics; empty for a store that does not count them.
     */
    default Optional<LeaseCounts> leaseCounts() {
        return Optional.empty();
    }

    /**
     * The store's record of the requests callers sent with an idempotency key ({@link SendRecords};
     * decision 0117), kept beside the conversations so that a copy sent to any host sharing the
     * store is answered with the first one's answer: each record kept for {@code window} from its
     * claim, at most {@code maxRecords}. Both stores have one; this default has none, and a door
     * then keeps its records in memory.
     */
    default Optional<SendRecords> sendRecords(Duration window, int maxRecords) {
        return Optional.empty();
    }

    /**
     * The store's small records of the doors ({@link DoorRecords}; decision 0126), kept beside the
     * conversations so that every host sharing the store answers what another one answered (the
     * OpenAI door's response ids and chat histories): each kept for {@code window} from its last
     * write, at most {@code maxRecords}. Both stores have them; this default has none, and a door
     * then keeps its records in memory.
     */
    default Optional<DoorRecords> doorRecords(Duration window, int maxRecords) {
        return Optional.empty();
    }

    /** Lets go of what the store holds open (files, connections); not of the stored conversations. */
    @Override
    void close();
}
