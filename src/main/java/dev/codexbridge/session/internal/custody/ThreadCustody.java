package dev.codexbridge.session.internal.custody;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.lineage.ExportedRollouts;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.ThreadAccessDeniedException;
import dev.codexbridge.session.internal.failure.OtherThreadResumedException;
import dev.codexbridge.session.internal.failure.ResumeFailures;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.CorruptConversationException;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Who holds a session's conversation, and where it is, when a {@link ConversationStorage} is
 * configured (decision 0057): the store's lease while the session holds the thread
 * ({@link HeldLease}), the store's version it last wrote, the connection codex has the thread
 * loaded on (or may have: a resume whose answer was lost), and whether the store holds the latest of it with no codex having it. Each step runs
 * on the library's store threads ({@link RpcThreads#stores()}), one after another per session (a
 * sleep finishes before the next wake starts), and never under the session's lock; a wait that
 * lasts (codex unloading the thread) waits on the timer, holding no thread.
 */
public final class ThreadCustody {
    private static final Logger LOG = SafeLogger.getLogger(ThreadCustody.class);

    private final ConversationStorage storage;
    private final ConversationStore store;
    private final LineageMoves moves;
    private final Function<CodexClient, String> whereabouts;
    private final Function<CodexClient, String> homes;
    private final CustodySteps steps = new CustodySteps();      // this session's steps, one after another on the store threads
    private final HeldLease lease;
    /** The store's version this session last wrote or read (0: not stored), and the puts since whose answer was lost. */
    private final StoredVersion version = new StoredVersion();
    /** The connection codex has the thread loaded on as far as this session knows, or null. */
    private volatile CodexClient loadedOn;
    /** The connection a resume went out on that never answered: codex there may have the thread loaded, so the next open goes there. */
    private volatile CodexClient resumedOn;
    /** The app-server the store's record names as where the conversation is awake, and its naming. */
    private final AwakeNaming naming;
    /** The last turn the host saw complete, stored with the conversation. */
    private volatile String lastCompletedTurnId;
    /** Whether a turn is all there is of the thread (decision 0145). */
    private final OnlyTurn onlyTurn = new OnlyTurn();
    /** The last turn whose end the store holds, as this session last wrote or read it; null when none or unknown. */
    private volatile String storedTurnId;
    /**
     * Copies of the thread written into an app-server's home so far: a turn that completed before
     * one is not in the copy codex writes from then on, unless the store held it (decision 0091).
     */
    private volatile int imports;
    /** Name and goal to set again after the next import, or null when nothing was imported. */
    private volatile LineageMoves.Records toRestore;
    /** The lineage's paths as last stored or imported (no bytes: an awake session keeps no copy of its rollouts); empty when unknown. */
    private volatile List<String> lineagePaths = List.of();
    /** What the next turn's export reads appends against: the last export's or import's sizes and hashes; null when unknown. */
    private volatile ExportedRollouts exported;
    /** Name and goal as last read from codex, stored again with each turn until the next sleep reads them anew; null when unknown. */
    private volatile LineageMoves.Records records;
    /** Sleeps asked for so far; the one a wake came after stops waiting for codex's unload, and the thread stays. */
    private final java.util.concurrent.atomic.AtomicInteger sleeps = new java.util.concurrent.atomic.AtomicInteger();
    /** The number of the last sleep a wake came after (0: none). */
    private volatile int wokenAfter;
    /** The copies this session's sleeps leave on app-servers (decision 0074). */
    private final LeftCopies copies;
    /** What the session's close set going (its sleep into the store, or the lease given back), once it has closed. */
    private volatile CompletableFuture<Void> closed;
    /** How long a sleep waits for codex to unload the thread beyond the re-attach window; shorter in tests. */
    public volatile Duration unloadGrace = UnloadWait.GRACE;

    public ThreadCustody(ConversationStorage storage, LineageMoves moves) {
        this(storage, moves, AwakeOn::of, SleptOn::homeOf, System::nanoTime);
    }

    /** {@code leaseClock}: the monotonic clock the lease's own deadline is counted on (tests give theirs to stand for a stall). */
    public ThreadCustody(ConversationStorage storage, LineageMoves moves, java.util.function.LongSupplier leaseClock) {
        this(storage, moves, AwakeOn::of, SleptOn::homeOf, leaseClock);
    }

    /**
     * {@code whereabouts}: the app-server a connection reaches, as the store's record names it ({@link AwakeOn#of});
     * {@code homes}: the codex home it reaches, as a sleep's record names it ({@link SleptOn#homeOf}).
     */
    public ThreadCustody(ConversationStorage storage, LineageMoves moves, Function<CodexClient, String> whereabouts,
                         Function<CodexClient, String> homes, java.util.function.LongSupplier leaseClock) {
        this.storage = storage;
        this.store = storage.store();
        this.moves = moves;
        this.whereabouts = whereabouts;
        this.homes = homes;
        this.lease = new HeldLease(storage, leaseClock);
        this.copies = new LeftCopies(moves, homes);
        this.naming = new AwakeNaming(store, lease, version, whereabouts);
    }

    /** Why this session may no longer write its conversation, or null. */
    public CodexException lost() {
        return lease.lost();
    }

    /** The lease as held: for what a renewal finds (and the package's tests: a renewal on demand). */
    public HeldLease heldLease() {
        return lease;
    }

    /**
     * Before a {@code turn/start}: why it must not go out, saying the conversation must be opened
     * again, once the lease is lost (null while held). Another host may run the conversation from the store by then; a turn here would
     * be a second writer, its result kept nowhere but this app-server.
     */
    public CodexException whyNotHeld() {
        return lease.whyNotHeld();
    }

    /** Whether the store holds the latest of the conversation and no codex has it: the next open goes anywhere. */
    public boolean storedAway() {
        return loadedOn == null && resumedOn == null && version.get() > 0;
    }

    /**
     * Before {@code threadId} is resumed on {@code to}: the lease, and, when the store holds the
     * conversation and {@code to} is not where it is loaded, its lineage written into {@code to}'s
     * home. A conversation the store does not hold is resumed from codex's own record, as without a
     * store. A record of another owner, or whose lineage is not the thread's own, is refused
     * (decision 0067), and the lease this step took for it given back.
     */
    public CompletableFuture<Void> beforeResume(CodexClient to, String threadId) {
        return steps.run(() -> {
            lease.failIfLost();
            boolean held = lease.current() != null;
            lease.hold(threadId, lease.timeOn(to));
            try {
                if (to == loadedOn) {
                    // woken before a sleep let go of it (that sleep's store names no app-server): named again where it is loaded
                    naming.nameWhereLoaded(to, threadId);
                    return;
                }
                if (to != resumedOn) {
                    importFromStore(to, threadId, false);
                }
                resumedOn = to;
            } catch (ThreadAccessDeniedException | CorruptConversationException refused) {
                if (!held) {
                    // this session can never wake it: its owner's host may, at once
                    lease.giveBack();
                }
                throw refused;
            }
        });
    }

    /**
     * The resume of {@code threadId} on {@code on} failed with {@code cause}. When codex answered
     * that it has no record of the thread (its home was lost: an app-server wiped and started
     * again behind the same endpoint) and the store holds the conversation, its lineage is written
     * there again: completes with true, and the resume is worth one more try. An answer of any
     * kind from codex means it did not load the thread; only a lost answer leaves it possibly
     * loaded there ({@link #resumedOn}).
     */
    public CompletableFuture<Boolean> resumeFailed(CodexClient on, String threadId, Throwable cause) {
        if ((cause instanceof RpcException answered && answered.error() != null || cause instanceof OtherThreadResumedException)
                && resumedOn == on) {
            resumedOn = null;       // codex answered: it did not load this thread there
        }
        if (!ResumeFailures.notStored(cause)) {
            return CompletableFuture.completedFuture(false);
        }
        CompletableFuture<Boolean> again = new CompletableFuture<>();
        steps.run(() -> {
            lease.failIfLost();
            if (loadedOn == on) {
                loadedOn = null;        // whatever codex there had of it is gone
            }
            boolean imported = importFromStore(on, threadId, true);
            if (imported) {
                resumedOn = on;
                LOG.info("codex has no record of thread {} any more: the store's copy (version {}) was written there again", threadId, version.get());
            }
            again.complete(imported);
        }).exceptionally(failure -> {
            again.completeExceptionally(failure);
            return null;
        });
        return again;
    }

    /**
     * Writes the store's copy of {@code threadId} into {@code to}'s home; false when the store
     * holds none. Unless {@code always}, a record that says the conversation was last stored awake
     * on {@code to} ({@link AwakeOn}) imports nothing: the copy there is at least as new. A record
     * that does not name {@code to} is stored again naming it before the resume is sent. A record
     * of another owner, or whose lineage is not the thread's own, is refused before anything is
     * written there.
     */
    private boolean importFromStore(CodexClient to, String threadId, boolean always) {
        Optional<StoredConversation> stored = store.get(threadId);
        if (stored.isEmpty()) {
            return false;
        }
        StoredConversation c = stored.get();
        StoredRecordChecks.requireOwner(c, storage.owner());
        boolean awakeThere = !always && AwakeOn.names(c, whereabouts.apply(to));
        boolean keepTheirs = awakeThere || !always && copies.sleptThere(to, threadId, c);
        if (!keepTheirs) {
            StoredRecordChecks.requireOwnLineage(c);
            moves.forget(to, threadId);
            imports++;
            moves.importInto(to, threadId, c.lineage());
        }
        storedTurnId = c.lastCompletedTurnId();
        lineagePaths = c.lineage().stream().map(RolloutFile::relativePath).toList();
        // known whole: what was imported, or the copy where it slept (decision 0098); one kept awake there may have grown since
        exported = awakeThere ? null : ExportedRollouts.later(c.lineage());
        records = new LineageMoves.Records(c.name(), c.goal());
        version.known(c.version());
        // named before codex there can write the thread: a host that dies from now on leaves it to be woken
        // there, where it may still be loaded (a turn waiting for an approval keeps it so), never imported elsewhere
        naming.name(to, c);
        lastCompletedTurnId = c.lastCompletedTurnId();
        toRestore = keepTheirs ? null : new LineageMoves.Records(c.name(), c.goal());
        LOG.debug("conversation {} (version {}) {} for its resume", threadId, c.version(),
                keepTheirs ? "resumed from the copy codex kept there" : "imported");
        return true;
    }

    /** {@code threadId} is open on {@code on} (started or resumed): name and goal set again after an import; the lease held. */
    public CompletableFuture<Void> opened(CodexClient on, String threadId) {
        return steps.run(() -> {
            ConversationLease held = lease.current();
            if (held != null && !held.threadId().equals(threadId)) {
                // a fresh thread in place of one codex never wrote (ThreadReplacement): the old one's lease goes, and
                // with it what this session knew of its store; kept, every store of the new thread was refused
                lease.giveBack();
                version.known(0);
                lineagePaths = List.of();
                records = null;
                naming.forget();
                copies.forget();
                exported = null;
            }
            lease.hold(threadId, lease.timeOn(on));
            LineageMoves.Records records = toRestore;
            toRestore = null;
            if (records != null) {
                moves.restore(on, threadId, records);
            }
            loadedOn = on;
            resumedOn = null;
        });
    }

    /** {@link #opened} for a thread this session started: codex's copy on {@code on} is its only one. */
    public CompletableFuture<Void> started(CodexClient on, String threadId) {
        onlyTurn.started();
        return opened(on, threadId);
    }

    /**
     * A turn of {@code threadId} ended not kept (decision 0145). When that turn is all there is of
     * a thread this session started, on a codex of this host's own, codex's copy (which holds the
     * turn the host was told is gone) is dropped, so no later open resumes it; an endpoint's stays.
     * Else nothing waits for the steps before (a put stuck on a silent network held an answer 45 s).
     */
    public CompletableFuture<Void> notKept(CodexClient on, String threadId, String turnId) {
        java.util.function.BooleanSupplier onlyCopy = () -> onlyTurn.is(turnId) && version.get() == 0 && imports == 0
                && HeldLease.ownCodex(on);
        return !onlyCopy.getAsBoolean() ? CompletableFuture.completedFuture(null) : steps.run(() -> {
            if (onlyCopy.getAsBoolean()) {     // asked again: a put queued before may have stored the thread
                moves.forget(on, threadId);
                loadedOn = null;
                LOG.debug("thread {}: its only turn was not kept; codex's copy of it is dropped", threadId);
            }
        });
    }

    /** A turn completed or interrupted: remembered; with {@link ConversationStorage#exportAfterEachTurn} stored before it is told. */
    public CompletableFuture<Void> turnCompleted(CodexClient on, String threadId, String turnId) {
        int importsBefore = imports;
        lastCompletedTurnId = turnId;
        onlyTurn.ended(turnId);
        if (!storage.exportAfterEachTurn() || on == null) {
            return CompletableFuture.completedFuture(null);
        }
        return storeTurn(on, threadId, turnId, importsBefore);
    }

    /**
     * Stores the conversation after {@code turnId}, tried again as {@link TurnStoreTries} says. A
     * try that finds the thread no longer where the turn ran, or a copy imported there since
     * ({@code importsBefore} no longer current: its home was lost), stores nothing: the turn is
     * kept only if a put since (a sleep's) holds it, else it is not kept at all.
     */
    private CompletableFuture<Void> storeTurn(CodexClient on, String threadId, String turnId, int importsBefore) {
        return TurnStoreTries.store(on, threadId, turnId, lease, fence -> steps.run(() -> fence.during(() -> {
            lease.failIfLost();
            if (turnId.equals(storedTurnId)) {
                return;
            }
            if (on != loadedOn || imports != importsBefore) {
                throw TurnNotKeptException.copyReplaced(turnId, threadId);
            }
            LineageMoves.Records known = records;
            if (known == null) {
                known = records = moves.records(on, threadId);
            }
            put(on, threadId, known, turnId, null);
        })));
    }

    /**
     * The session lets go of the thread on {@code from} (it sleeps, or closes): the conversation
     * goes into the store, codex there is waited for until it unloaded the thread (for up to
     * {@code unloadWindow} and a grace), and the lease given back. Where the store's record can
     * say where it slept ({@link SleptOn}), codex's copy and its record of the thread stay there
     * for a wake back there (decision 0074), and the copy this session's last sleep left on
     * another app-server is dropped; else, and when the session closes ({@code keep} false: it will
     * not wake it again), that app-server's copy is removed, as before. Should any step fail, the
     * lease is still given back once it expires, and the thread stays where it was; the next open
     * then looks there first.
     */
    public CompletableFuture<Void> sleep(CodexClient from, String threadId, Duration unloadWindow, boolean waitForUnload, boolean keep) {
        return sleep(from, threadId, unloadWindow, waitForUnload, keep, 0);
    }

    /** {@code again}: the {@link #sleepNumber} of a sleep whose store failed, tried again unless a wake or a sleep came since. */
    public CompletableFuture<Void> sleep(CodexClient from, String threadId, Duration unloadWindow, boolean waitForUnload, boolean keep,
                                         int again) {
        int number = again > 0 ? again : sleeps.incrementAndGet();
        copies.withdrawWaitingDrop();
        return steps.runThen(() -> {
            // a sleep tried again: not once the session woke, slept again, or closed and gave the lease back
            if (lease.lost() != null || from == null || from != loadedOn
                    || again > 0 && (wokenAfter >= again || sleeps.get() != again || lease.current() == null)) {
                return CompletableFuture.completedFuture(null);
            }
            LineageMoves.Records now = moves.records(from, threadId);
            records = now;
            // read before the export: whatever codex writes there after it shows as a newer time at the wake
            List<Long> times = keep && !storage.keepSleptCopy().isZero() ? copies.fileTimes(from, threadId, lineagePaths) : null;
            Put stored = put(from, threadId, now, null, times);
            List<RolloutFile> lineage = stored.lineage();
            // the unload takes up to the re-attach window (30 s by default): waited for between polls on
            // the timer, so that no pool thread is held meanwhile
            CompletableFuture<Void> unloaded = waitForUnload
                    ? UnloadWait.until(moves, from, threadId, unloadWindow, unloadGrace, () -> wokenAfter >= number)
                    : CompletableFuture.completedFuture(null);
            return unloaded.thenApply(x -> true).exceptionally(failure -> {
                if (Futures.unwrap(failure) instanceof UnloadWait.WokenFirst) {
                    // stored, still loaded there, still leased: the wake resumes it where it is, nothing moves
                    LOG.debug("conversation {} was wanted again before codex unloaded it: it stays on its app-server", threadId);
                    return false;
                }
                throw failure instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(failure);
            }).thenComposeAsync(leaves -> {
                if (!leaves) {
                    return CompletableFuture.<Void>completedFuture(null);
                }
                if (waitForUnload && from.isOpen() && moves.loaded(from, threadId)) {
                    // loaded again since codex said it unloaded it: codex there holds the rollout open for appending,
                    // and a file removed under it would take every later write of that thread out of sight
                    LOG.info("conversation {} was loaded again on its app-server before its files were removed: it stays there", threadId);
                    return CompletableFuture.<Void>completedFuture(null);
                }
                loadedOn = null;
                // codex's copy and record stay here for a wake back here when the record says so; the copy an
                // earlier sleep left on another app-server goes
                CompletableFuture<Void> forgotten = copies.left(from, threadId, lineage, stored.sleptOn());
                // codex drops its record while no store thread waits for it; the lease goes back once it has
                return forgotten.thenRunAsync(() -> {
                    lease.giveBack();
                    LOG.debug("conversation {} stored (version {}) and let go", threadId, version.get());
                    if (stored.sleptOn()) {
                        removeSleptCopyLater(from, threadId, number);
                    }
                }, RpcThreads.stores());
            }, RpcThreads.stores());
        });
    }

    /**
     * After {@link ConversationStorage#keepSleptCopy}, as a step of this session's, the copy sleep {@code number} left on
     * {@code from} goes ({@link LeftCopies#removeSlept}, decision 0121) unless this session woke or slept again since
     * (withdrawn then, should it still wait behind codex's other drops), lost its lease, or its connection closed.
     */
    private void removeSleptCopyLater(CodexClient from, String threadId, int number) {
        RpcThreads.timer().schedule(() -> steps.runThen(() ->
            sleeps.get() == number && wokenAfter < number && loadedOn == null && resumedOn == null && lease.current() == null
                    && lease.lost() == null && from.isOpen() ? copies.removeSlept(from, threadId, version.get(), store, storage, lease.timeOn(from))
                    : CompletableFuture.completedFuture(null)), storage.keepSleptCopy().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Done once every step asked for before it ended (a sleep under way, say): what a wake waits for before it places the thread. */
    public CompletableFuture<Void> settled() {
        return steps.run(() -> { });
    }

    /**
     * A call needs the thread: a sleep still waiting for codex to unload it stops (the thread stays
     * where it is, the lease held) rather than the call waiting up to the re-attach window, and a copy's removal still
     * waiting behind codex's other drops is withdrawn; done once the steps before have ended, as {@link #settled}.
     */
    public CompletableFuture<Void> wake() {
        wokenAfter = sleeps.get();
        copies.withdrawWaitingDrop();
        return settled();
    }

    /** The number of the latest sleep asked for. */
    public int sleepNumber() {
        return sleeps.get();
    }

    /** What the session's close sets going, as {@link #closed} answers it. */
    public void closing(CompletableFuture<Void> letGo) {
        closed = letGo;
    }

    /** The lease goes back, as the next step. */
    public void giveBackLease() {
        steps.run(lease::giveBack);
    }

    public String lastStoredTurn() {
        return version.get() == 0 ? "not at all" : "as of version " + version.get();
    }

    /** The session closed without a thread to store: the lease goes back (a copy's removal still waiting: withdrawn). */
    public CompletableFuture<Void> close() {
        copies.withdrawWaitingDrop();
        CompletableFuture<Void> given = steps.run(lease::giveBack);
        closed = given;
        return given;
    }

    /** Done once what the session's close set going has ended; failed with why the conversation was not stored. */
    public CompletableFuture<Void> closed() {
        CompletableFuture<Void> c = closed;
        return c != null ? c.copy() : settled();
    }

    /** What a put stored: the lineage, and whether its record says where the conversation slept ({@link SleptOn}). */
    private record Put(List<RolloutFile> lineage, boolean sleptOn) {
    }

    /**
     * Exports and stores the conversation; {@code afterTurn} is the turn just completed (null: a
     * sleep's export), {@code sleepTimes} a sleep's times of the files at {@link #lineagePaths}
     * (null: none), recorded only when the export found exactly those files.
     */
    private Put put(CodexClient from, String threadId, LineageMoves.Records named, String afterTurn, List<Long> sleepTimes) {
        List<String> known = lineagePaths;
        Optional<AppendedTurn> appended = afterTurn == null ? Optional.empty() : version.putting(() -> AppendedTurn.put(moves, store,
                lease.current(), from, threadId, afterTurn, exported, known,
                lineage -> record(threadId, lineage, named, AwakeOn.settings(whereabouts.apply(from))), version.unanswered()));
        if (appended.isPresent()) {
            stored(appended.get().stored(), appended.get().appended().next());
            return new Put(appended.get().appended().lineage(), false);
        }
        List<RolloutFile> lineage = afterTurn != null && !known.isEmpty() ? moves.exportAfterTurn(from, threadId, afterTurn, known)
                : moves.export(from, threadId, lastCompletedTurnId);
        List<String> paths = lineage.stream().map(RolloutFile::relativePath).toList();
        String settings = afterTurn != null ? AwakeOn.settings(whereabouts.apply(from))
                : sleepTimes != null && paths.equals(known) ? new SleptOn(homes.apply(from), version.get() + 1, sleepTimes).settings()
                : null;
        // a sleep's export (no turn) is put whole: what it read is remembered, should the thread stay
        AppendedTurn read = version.putting(() -> AppendedTurn.putRead(store, lease.current(), threadId,
                afterTurn == null ? null : exported, lineage, l -> record(threadId, l, named, settings), version.unanswered()));
        stored(read.stored(), read.appended().next());
        return new Put(lineage, SleptOn.read(read.stored()).isPresent());
    }

    private StoredConversation record(String threadId, List<RolloutFile> lineage, LineageMoves.Records named, @Nullable String settings) {
        // the storage's owner: the record's own, as requireOwner checked at the wake (or none stored yet)
        return StoredConversation.builder(threadId, lineage).owner(storage.owner()).name(named.name()).goal(named.goal())
                .lastCompletedTurnId(lastCompletedTurnId).version(version.get()).settings(settings).build();
    }

    /** The store wrote {@code stored}; {@code next} is what to read the next turn's appends against (null: the whole lineage). */
    private void stored(StoredConversation stored, ExportedRollouts next) {
        version.known(stored.version());
        storedTurnId = stored.lastCompletedTurnId();
        naming.storedAs(stored);
        lineagePaths = stored.lineage().stream().map(RolloutFile::relativePath).toList();
        exported = next;
    }
}
