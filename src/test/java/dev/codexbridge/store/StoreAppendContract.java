package dev.codexbridge.store;

import static dev.codexbridge.store.Lineages.newThreadId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.spi.Sha256;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The contract of a store that takes appends ({@link ConversationStore#putAppending}): only the
 * tails are read, the base is checked against what the store holds, and the record comes back as
 * exactly the whole bytes, checked, as after a whole put.
 */
interface StoreAppendContract extends StoreContract {
    /** A whole file of the lineage whose source must not be read: a store that appends reads the tail only. */
    static RolloutFile unreadable(String path, byte[] bytes) {
        RolloutFile whole = RolloutFile.of(path, bytes);
        return new RolloutFile(path, whole.size(), whole.sha256(), () -> {
            throw new IOException("the whole file was read, not only the appended bytes");
        });
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** The conversation {@code stored} with its file at {@code path} grown from {@code base} by {@code tail}: lineage and append. */
    static StoredConversation grown(StoredConversation stored, String path, byte[] base, byte[] tail) {
        List<RolloutFile> lineage = new ArrayList<>();
        for (RolloutFile f : stored.lineage()) {
            lineage.add(f.relativePath().equals(path) ? unreadable(path, concat(base, tail)) : f);
        }
        return stored.toBuilder().lineage(lineage).build();
    }

    static List<RolloutAppend> appends(StoredConversation stored, String path, byte[] base, byte[] tail) {
        List<RolloutAppend> appends = new ArrayList<>();
        for (RolloutFile f : stored.lineage()) {
            appends.add(f.relativePath().equals(path) ? RolloutAppend.of(path, base.length, Sha256.hex(base), tail)
                    : RolloutAppend.of(f.relativePath(), f.size(), f.sha256(), new byte[0]));
        }
        return appends;
    }

    @Test
    default void anAppendReadsOnlyTheTailAndComesBackWhole() {
        ConversationStore host = store().open();
        String id = newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation full = Lineages.full(id, 20_000, 1);
        StoredConversation stored = host.put(lease, full);
        String own = full.lineage().get(1).relativePath();
        byte[] bytes = full.lineage().get(1).bytes();
        for (int turn = 0; turn < 5; turn++) {
            byte[] tail = Lineages.jsonl(3_000 + turn, 100 + turn);
            stored = host.putAppending(lease, grown(stored, own, bytes, tail), appends(stored, own, bytes, tail));
            bytes = concat(bytes, tail);
            assertThat(stored.version()).isEqualTo(turn + 2);
        }

        StoredConversation read = store().open().get(id).orElseThrow();
        assertThat(read.version()).isEqualTo(6);
        assertThat(read.lineage().get(1).bytes()).isEqualTo(bytes);
        assertThat(read.lineage().get(0).bytes()).isEqualTo(full.lineage().get(0).bytes());
        assertThat(read.lineage().get(2).bytes()).isEqualTo(full.lineage().get(2).bytes());
        assertThat(read.name()).isEqualTo(full.name());
        assertThat(host.list(null, 1000)).filteredOn(s -> s.threadId().equals(id)).singleElement()
                .satisfies(s -> assertThat(s.lineageBytes()).isEqualTo(read.lineageBytes()));
        // a whole put after appends replaces them all
        StoredConversation whole = host.put(lease, Lineages.small(id, 9).toBuilder().version(6).build());
        assertThat(store().open().get(id).orElseThrow().lineage()).isEqualTo(whole.lineage());
    }

    @Test
    default void anAppendFromAnotherBaseIsRefusedAndChangesNothing() {
        ConversationStore host = store().open();
        String id = newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation stored = host.put(lease, Lineages.small(id, 1));
        String own = Lineages.ownPath(id);
        byte[] bytes = stored.lineage().get(0).bytes();
        byte[] tail = Lineages.jsonl(1_000, 2);
        byte[] other = bytes.clone();
        other[10] ^= 1;
        StoredConversation next = grown(stored, own, bytes, tail);

        assertThatThrownBy(() -> host.putAppending(lease, next, List.of(RolloutAppend.of(own, bytes.length, Sha256.hex(other), tail))))
                .isInstanceOfSatisfying(StaleAppendException.class, e -> {
                    assertThat(e.relativePath()).isEqualTo(own);
                    assertThat(e.threadId()).isEqualTo(id);
                });
        byte[] shorter = java.util.Arrays.copyOf(bytes, bytes.length - 1);
        byte[] longerTail = concat(new byte[] {bytes[bytes.length - 1]}, tail);
        assertThatThrownBy(() -> host.putAppending(lease, next, List.of(RolloutAppend.of(own, shorter.length, Sha256.hex(shorter), longerTail))))
                .isInstanceOf(StaleAppendException.class);
        String revert = Lineages.revertPath(id, newThreadId());
        StoredConversation elsewhere = stored.toBuilder().lineage(List.of(stored.lineage().get(0), unreadable(revert, concat(bytes, tail)))).build();
        assertThatThrownBy(() -> host.putAppending(lease, elsewhere, List.of(RolloutAppend.of(revert, bytes.length, Sha256.hex(bytes), tail))))
                .as("a file the stored version does not have").isInstanceOf(StaleAppendException.class);

        assertThat(host.get(id)).contains(stored);
        assertThat(host.get(id).orElseThrow().version()).isEqualTo(1);
        assertThat(host.putAppending(lease, next, appends(stored, own, bytes, tail)).version()).as("the right base still works").isEqualTo(2);
        assertThat(host.get(id).orElseThrow().lineage().get(0).bytes()).isEqualTo(concat(bytes, tail));
    }

    @Test
    default void anAppendAfterARevertKeepsTheOldFileAndAppendsToTheNew() {
        ConversationStore host = store().open();
        String id = newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        String own = Lineages.ownPath(id);
        String source = Lineages.ownPath(newThreadId());
        byte[] first = Lineages.jsonl(3_000, 1);
        byte[] forked = Lineages.jsonl(2_000, 4);
        StoredConversation stored = host.put(lease, StoredConversation.builder(id, List.of(RolloutFile.of(own, first), RolloutFile.of(source, forked))).build());
        String revert = Lineages.revertPath(id, newThreadId());
        byte[] started = Lineages.jsonl(5_000, 2);
        // the revert's new file comes whole, between the thread's first file and its fork source's, both unchanged (appends of nothing)
        StoredConversation reverted = stored.toBuilder().lineage(List.of(unreadable(own, first), RolloutFile.of(revert, started),
                unreadable(source, forked))).build();
        stored = host.putAppending(lease, reverted, List.of(RolloutAppend.of(own, first.length, Sha256.hex(first), new byte[0]),
                RolloutAppend.of(source, forked.length, Sha256.hex(forked), new byte[0])));
        byte[] tail = Lineages.jsonl(2_000, 3);
        stored = host.putAppending(lease, grown(stored, revert, started, tail), appends(stored, revert, started, tail));

        StoredConversation read = store().open().get(id).orElseThrow();
        assertThat(read.version()).isEqualTo(3);
        assertThat(read.lineage()).extracting(RolloutFile::relativePath).containsExactly(own, revert, source);
        assertThat(read.lineage().get(0).bytes()).isEqualTo(first);
        assertThat(read.lineage().get(1).bytes()).isEqualTo(concat(started, tail));
        assertThat(read.lineage().get(2).bytes()).isEqualTo(forked);
    }

    @Test
    default void aTailThatFailsHalfwayLeavesTheVersionBefore() throws Exception {
        ConversationStore host = store().open();
        String id = newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation stored = host.put(lease, Lineages.small(id, 1));
        String own = Lineages.ownPath(id);
        byte[] bytes = stored.lineage().get(0).bytes();
        byte[] tail = Lineages.jsonl(40_000, 2);
        RolloutFile half = Lineages.failingHalfway(id, tail);
        RolloutAppend failing = new RolloutAppend(own, bytes.length, Sha256.hex(bytes), half.size(), half.sha256(), half.content());

        assertThatThrownBy(() -> host.putAppending(lease, grown(stored, own, bytes, tail), List.of(failing)))
                .isInstanceOf(ConversationStoreException.class).hasMessageContaining("the source failed halfway");

        assertThat(store().open().get(id)).contains(stored);
        assertThat(host.putAppending(lease, grown(stored, own, bytes, tail), appends(stored, own, bytes, tail)).version()).isEqualTo(2);
        store().assertNothingLeftBehind(id);
    }

    @Test
    default void ofTwoAppendsFromOneVersionExactlyOneIsStored() throws Exception {
        ConversationStore a = store().open();
        ConversationStore b = store().open();
        String id = newThreadId();
        ConversationLease lease = a.lease(id, "host-a", TTL);
        StoredConversation stored = a.put(lease, Lineages.small(id, 1));
        String own = Lineages.ownPath(id);
        byte[] bytes = stored.lineage().get(0).bytes();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                StoredConversation base = a.get(id).orElseThrow();
                byte[] now = base.lineage().get(0).bytes();
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<Long>> puts = new ArrayList<>();
                for (ConversationStore host : List.of(a, b)) {
                    byte[] tail = Lineages.jsonl(500, round * 2L + puts.size());
                    Callable<Long> put = () -> {
                        start.await(10, TimeUnit.SECONDS);
                        try {
                            return host.putAppending(lease, grown(base, own, now, tail), appends(base, own, now, tail)).version();
                        } catch (VersionConflictException | StaleAppendException lost) {
                            return -1L;
                        }
                    };
                    puts.add(pool.submit(put));
                }
                List<Long> versions = new ArrayList<>();
                for (Future<Long> f : puts) {
                    versions.add(f.get(30, TimeUnit.SECONDS));
                }
                assertThat(versions).as("round " + round).containsExactlyInAnyOrder(base.version() + 1, -1L);
                byte[] read = a.get(id).orElseThrow().lineage().get(0).bytes();
                assertThat(read.length).isGreaterThan(now.length);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(bytes.length).isLessThan(a.get(id).orElseThrow().lineage().get(0).bytes().length);
    }
}
