package dev.codexbridge.bench;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.DiskConversationStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code lib}, {@code lib-store} and {@code lib-store-close} of {@code bin/bench codex-memory}: the
 * library's sessions on one client, hibernating after 1 s; with a disk store as the doors give it,
 * each closed once stored away (as the MCP door does), or closed gracefully right after its turn.
 */
final class LibraryMemoryVariant implements CodexMemoryBench.Variant {
    private static final Duration SLEEP_AFTER = Duration.ofSeconds(1);

    private final CodexClient client;
    /** With {@code tenants}: the gateway over them that opens each conversation as the doors do; else null. */
    private final dev.codexbridge.gateway.CodexGateway gateway;
    private final dev.codexbridge.tenant.CodexTenants tenants;
    private final ConversationStore store;
    private final ConversationStorage storage;
    private final boolean closeAfterTurn;
    /** More than this many sessions awake: the oldest is closed as the next is served, as a door's bound on contexts does; 0: none. */
    private final int keepOpen;
    private final java.util.ArrayDeque<CodexSession> newest = new java.util.ArrayDeque<>();
    private final Path work;
    private final CodexMemoryBench.SentRequests sent = new CodexMemoryBench.SentRequests();
    /** Sessions served and not closed yet: a sweep closes each once it sleeps. */
    private final List<CodexSession> open = new ArrayList<>();
    private final List<CompletableFuture<Void>> closing = new ArrayList<>();
    private final ScheduledExecutorService sweeper = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();

    private LibraryMemoryVariant(CodexLaunch launch, Path binary, Path work, Path storeDir, boolean closeAfterTurn, Path tenantsRoot,
                                 int keepOpen) {
        this.keepOpen = keepOpen;
        this.store = storeDir == null ? null : DiskConversationStore.open(storeDir);
        this.storage = store == null ? null
                : ConversationStorage.builder(store, "codex-memory").leaseTime(ConversationStorage.DOORS_LEASE).build();
        if (tenantsRoot != null) {
            // the doors' shape: one principal's codex of its own under the tenants' homes, its home's config the bench's
            String toml;
            try {
                toml = java.nio.file.Files.readString(launch.codexHome().resolve("config.toml"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            this.tenants = dev.codexbridge.tenant.CodexTenants.builder().homesRoot(tenantsRoot)
                    .launch(CodexLaunch.appServer(binary)
                            .idleRestart(launch.idleRestart()).build())
                    .homeSetup(dev.codexbridge.tenant.TenantHomeSetup.configToml(toml)).client(c -> c.wireTap(sent)).storage(storage).build();
            this.gateway = dev.codexbridge.gateway.CodexGateway.builder().tenants(tenants).storage(storage)
                    .configure(b -> b.hibernateAfter(SLEEP_AFTER).limits(TurnLimits.of(LiveRig.TURN_TIMEOUT, Duration.ZERO))).build();
            this.client = null;
        } else {
            this.tenants = null;
            this.gateway = null;
            this.client = CodexClient.builder().process(launch).wireTap(sent).requestTimeout(Duration.ofSeconds(120)).maxThreads(500).connect();
        }
        this.closeAfterTurn = closeAfterTurn;
        this.work = work;
        sweeper.scheduleWithFixedDelay(this::sweep, 200, 200, TimeUnit.MILLISECONDS);
    }

    static LibraryMemoryVariant open(CodexLaunch launch, LiveRig rig, Path storeDir, boolean closeAfterTurn) {
        return new LibraryMemoryVariant(launch, rig.binary, rig.work, storeDir, closeAfterTurn, null, 0);
    }

    /**
     * Sessions that hibernate after 60 s (the doors' default), the {@code keepOpen} newest kept and the oldest
     * closed as each new one is served: what the A2A door's 16 contexts per caller and the MCP door's bound do.
     */
    static LibraryMemoryVariant newestOpen(CodexLaunch launch, LiveRig rig, Path storeDir, int keepOpen) {
        return new LibraryMemoryVariant(launch, rig.binary, rig.work, storeDir, false, null, keepOpen);
    }

    /** The doors' shape: a gateway over tenants (one principal), with the store in {@code storeDir}. */
    static LibraryMemoryVariant tenants(CodexLaunch launch, LiveRig rig, Path storeDir, Path tenantsRoot) {
        return new LibraryMemoryVariant(launch, rig.binary, rig.work, storeDir, false, tenantsRoot, 0);
    }

    @Override
    public void conversation() {
        CodexSession s = gateway != null ? gateway.open("alice", null) : session();
        serve(s);
    }

    private CodexSession session() {
        CodexSession.Builder b = CodexSession.builder().client(client).cwd(work).limits(TurnLimits.of(LiveRig.TURN_TIMEOUT, Duration.ZERO))
                .hibernateAfter(keepOpen > 0 ? Duration.ofSeconds(60) : SLEEP_AFTER);
        if (storage != null) {
            b.storage(storage);
        }
        return b.build();
    }

    private void serve(CodexSession s) {
        TurnResult r = s.runTurn(TurnInput.text("bench: quick"));
        if (r.status() != TurnOutcome.COMPLETED || r.storeFailed()) {
            s.close();
            throw new IllegalStateException("turn " + r.status() + (r.storeFailed() ? " (not stored)" : "") + ": " + r.error());
        }
        synchronized (open) {
            if (keepOpen > 0) {
                newest.addLast(s);
                if (newest.size() > keepOpen) {
                    closing.add(newest.pollFirst().closeGracefully());
                }
            } else if (closeAfterTurn) {
                closing.add(s.closeGracefully());
            } else {
                open.add(s);
            }
        }
    }

    private void sweep() {
        synchronized (open) {
            open.removeIf(s -> {
                if (storage != null ? s.isStoredAway() : s.isHibernated()) {
                    closing.add(s.closeGracefully());
                    return true;
                }
                return false;
            });
            closing.removeIf(CompletableFuture::isDone);
        }
    }

    @Override
    public boolean settle() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            synchronized (open) {
                closing.removeIf(CompletableFuture::isDone);
                if (open.isEmpty() && closing.isEmpty()) {
                    return true;
                }
            }
            LiveRig.sleep(200);
        }
        return false;
    }

    @Override
    public long codexPid() {
        return CodexMemoryBench.newestCodex();
    }

    @Override
    public Map<String, Integer> sent() {
        return sent.counts();
    }

    @Override
    public void close() throws Exception {
        sweeper.shutdownNow();
        List<CompletableFuture<Void>> last = new ArrayList<>();
        synchronized (open) {
            open.forEach(s -> last.add(s.closeGracefully()));
            newest.forEach(s -> last.add(s.closeGracefully()));
            last.addAll(closing);
        }
        // stored and let go of before the client and the store close under them
        CompletableFuture.allOf(last.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get(120, TimeUnit.SECONDS);
        if (tenants != null) {
            tenants.close();
        } else {
            client.close();
        }
        if (store != null) {
            store.close();
        }
    }
}
