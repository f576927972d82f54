package dev.codexbridge.store;

import static dev.codexbridge.store.Lineages.newThreadId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.FailureKind;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * The contract, part three: one host at a time. Hosts racing for a lease, writers racing with one
 * version, processes racing on one machine: exactly one wins each time; a lease runs out and is
 * renewed; a lease no longer in force and a version no longer current write nothing.
 */
interface StoreExclusivityContract extends StoreContract {
    int HOSTS = 4;

    @Test
    default void ofHostsAskingAtOnceExactlyOneGetsTheLeaseEveryTime() throws Exception {
        List<ConversationStore> hosts = new ArrayList<>();
        for (int h = 0; h < HOSTS; h++) {
            hosts.add(store().open());
        }
        CyclicBarrier start = new CyclicBarrier(HOSTS);
        ExecutorService threads = Executors.newFixedThreadPool(HOSTS);
        try {
            for (int round = 0; round < 300; round++) {
                String id = newThreadId();
                List<Future<String>> answers = new ArrayList<>();
                for (int h = 0; h < HOSTS; h++) {
                    ConversationStore host = hosts.get(h);
                    String name = "host-" + h;
                    answers.add(threads.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        try {
                            return "won " + host.lease(id, name, TTL).holder();
                        } catch (ConversationLeasedException lost) {
                            assertThat(lost.kind()).isEqualTo(FailureKind.ALREADY_OPEN);
                            return "lost to " + lost.holder();
                        }
                    }));
                }
                List<String> results = new ArrayList<>();
                for (Future<String> f : answers) {
                    results.add(f.get(30, TimeUnit.SECONDS));
                }
                List<String> winners = results.stream().filter(r -> r.startsWith("won ")).toList();
                assertThat(winners).as("round %d: %s", round, results).hasSize(1);
                String winner = winners.get(0).substring(4);
                assertThat(results).as("every loser names the winner").filteredOn(r -> r.startsWith("lost")).allMatch(r -> r.equals("lost to " + winner));
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    default void ofPutsMadeFromOneVersionExactlyOneIsStoredEveryTime() throws Exception {
        ConversationStore host = store().open();
        String id = newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        CyclicBarrier start = new CyclicBarrier(HOSTS);
        ExecutorService threads = Executors.newFixedThreadPool(HOSTS);
        try {
            long version = 0;
            for (int round = 0; round < 100; round++) {
                long from = version;
                List<Future<Long>> answers = new ArrayList<>();
                for (int h = 0; h < HOSTS; h++) {
                    StoredConversation next = Lineages.small(id, round * HOSTS + h).toBuilder().version(from).build();
                    answers.add(threads.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        try {
                            return host.put(lease, next).version();
                        } catch (VersionConflictException lost) {
                            assertThat(lost.expected()).isEqualTo(from);
                            assertThat(lost.actual()).isEqualTo(from + 1);
                            return -1L;
                        }
                    }));
                }
                List<Long> stored = new ArrayList<>();
                for (Future<Long> f : answers) {
                    stored.add(f.get(30, TimeUnit.SECONDS));
                }
                assertThat(stored).as("round %d", round).containsOnlyOnce(from + 1).containsOnly(from + 1, -1L);
                version = from + 1;
            }
            assertThat(host.get(id).orElseThrow().version()).isEqualTo(100);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    default void ofTwoProcessesRacingThroughTheSameConversationsExactlyOneGetsEachLease() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ids.add(newThreadId());
        }
        Path list = Files.createTempFile("store-race-", ".txt");
        Files.write(list, ids);
        ConversationStore host = store().open();
        StoreChild.warmUp(host);
        Process child = StoreChild.start(store().childSpec(), "race", list.toString());
        Set<String> childWon = new HashSet<>();
        Set<String> parentWon = new HashSet<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");
            Writer in = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
            in.write("go\n");
            in.flush();
            for (String id : ids) {
                try {
                    host.lease(id, "parent", TTL);
                    parentWon.add(id);
                } catch (ConversationLeasedException lost) {
                    assertThat(lost.holder()).isEqualTo("child");
                }
            }
            for (String line; !"done".equals(line = out.readLine()); ) {
                assertThat(line).as("the child's output ended early").isNotNull().startsWith("won ");
                childWon.add(line.substring(4));
            }
            in.close();         // the child holds its leases until now
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
            Files.deleteIfExists(list);
        }
        Set<String> both = new HashSet<>(childWon);
        both.retainAll(parentWon);
        assertThat(both).as("won by both").isEmpty();
        Set<String> all = new HashSet<>(childWon);
        all.addAll(parentWon);
        assertThat(all).as("each won by one").containsExactlyInAnyOrderElementsOf(ids);
        System.out.printf("processes racing for 300 leases: parent won %d, child %d%n", parentWon.size(), childWon.size());
    }

    @Test
    default void aClosedStoreRefusesEveryCallAsClosedAndWhatItHeldIsIntact() {
        ConversationStore host = store().open();
        String id = newThreadId();
        ConversationLease lease = host.lease(id, "host-a", TTL);
        StoredConversation v1 = host.put(lease, Lineages.small(id, 1));
        host.close();
        // each refused as closed, not as a busy lock or a database away that a caller would try again
        List<ThrowingCallable> calls = List.of(() -> host.renew(lease, TTL), () -> host.lease(newThreadId(), "host-a", TTL),
                () -> host.put(lease, Lineages.small(id, 2)), () -> host.get(id), () -> host.release(lease), host::ping,
                () -> host.list(null, 10));
        for (ThrowingCallable call : calls) {
            assertThatThrownBy(call).isInstanceOf(StoreClosedException.class).hasMessageContaining("is closed");
        }
        ConversationStore next = store().open();
        assertThat(next.get(id)).hasValueSatisfying(c -> assertThat(c.version()).isEqualTo(v1.version()));
    }

    @Test
    default void aLeaseRunsOutUnlessRenewedAndThenIsAnyonesAndTheOldOneWritesNothing() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
        ConversationStore a = store().open(StoreLimits.DEFAULTS, clock);
        ConversationStore b = store().open(StoreLimits.DEFAULTS, clock);
        String id = newThreadId();
        ConversationLease leaseA = a.lease(id, "host-a", Duration.ofSeconds(10));
        assertThat(leaseA.expiresAt()).isEqualTo(Instant.parse("2026-11-25T10:00:10Z"));
        StoredConversation v1 = a.put(leaseA, Lineages.small(id, 1));

        clock.advance(Duration.ofSeconds(9));
        assertThatThrownBy(() -> b.lease(id, "host-b", TTL)).isInstanceOfSatisfying(ConversationLeasedException.class, e -> {
            assertThat(e.holder()).isEqualTo("host-a");
            assertThat(e.expiresAt()).isEqualTo(Instant.parse("2026-11-25T10:00:10Z"));
        });
        ConversationLease renewed = a.renew(leaseA, Duration.ofSeconds(10));
        assertThat(renewed.expiresAt()).isEqualTo(Instant.parse("2026-11-25T10:00:19Z"));
        assertThat(renewed.token()).isEqualTo(leaseA.token());
        clock.advance(Duration.ofSeconds(5));
        assertThatThrownBy(() -> b.lease(id, "host-b", TTL)).isInstanceOf(ConversationLeasedException.class);
        StoredConversation v2 = a.put(renewed, Lineages.small(id, 2).toBuilder().version(v1.version()).build());

        clock.advance(Duration.ofSeconds(5));     // 10:00:19, the expiry itself: no longer in force
        assertThatThrownBy(() -> a.put(renewed, Lineages.small(id, 3).toBuilder().version(v2.version()).build()))
                .isInstanceOf(LeaseLostException.class).hasMessageContaining("expired at 2026-11-25T10:00:19Z");
        assertThatThrownBy(() -> a.renew(renewed, TTL)).isInstanceOf(LeaseLostException.class);
        ConversationLease leaseB = b.lease(id, "host-b", TTL);
        assertThat(leaseB.token()).isNotEqualTo(leaseA.token());

        assertThatThrownBy(() -> a.put(renewed, Lineages.small(id, 4).toBuilder().version(v2.version()).build()))
                .isInstanceOfSatisfying(LeaseLostException.class, e -> {
                    assertThat(e.getMessage()).contains("leased again, to host-b");
                    assertThat(e.kind()).isEqualTo(FailureKind.ALREADY_OPEN);
                });
        assertThatThrownBy(() -> a.delete(renewed)).isInstanceOf(LeaseLostException.class);
        assertThat(a.release(renewed)).as("another's lease is not released").isFalse();
        assertThat(b.put(leaseB, Lineages.small(id, 5).toBuilder().version(v2.version()).build()).version()).isEqualTo(3);
        assertThat(a.get(id).orElseThrow().version()).isEqualTo(3);
    }

    @Test
    default void anAskForTheConversationReachesItsHoldersNextRenewalWhileFreshAndNoLaterLease() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
        ConversationStore a = store().open(StoreLimits.DEFAULTS, clock);
        ConversationStore b = store().open(StoreLimits.DEFAULTS, clock);
        String id = newThreadId();
        assertThat(b.askHandOver(id)).as("no lease to ask of").isFalse();
        ConversationLease leaseA = a.lease(id, "host-a", Duration.ofSeconds(6));
        assertThat(leaseA.handOverAsked()).isFalse();
        assertThat(a.renew(leaseA, Duration.ofSeconds(6)).handOverAsked()).as("nobody asked").isFalse();

        assertThat(b.askHandOver(id)).isTrue();
        clock.advance(Duration.ofSeconds(2));
        ConversationLease asked = a.renew(leaseA, Duration.ofSeconds(6));
        assertThat(asked.handOverAsked()).isTrue();
        assertThat(asked.token()).isEqualTo(leaseA.token());
        assertThat(asked.expiresAt()).isEqualTo(Instant.parse("2026-11-25T10:00:08Z"));
        clock.advance(Duration.ofSeconds(2));
        assertThat(a.renew(asked, Duration.ofSeconds(6)).handOverAsked()).as("still fresh, 4 s after the ask").isTrue();
        clock.advance(ConversationStore.HAND_OVER_ASK_FRESH);
        assertThat(a.renew(asked, Duration.ofSeconds(6)).handOverAsked()).as("an ask no one repeated goes stale").isFalse();

        assertThatThrownBy(() -> b.lease(id, "host-b", TTL)).isInstanceOf(ConversationLeasedException.class);
        assertThat(b.askHandOver(id)).isTrue();
        assertThat(a.release(asked)).isTrue();
        assertThat(b.askHandOver(id)).as("released: nothing to ask of").isFalse();
        ConversationLease leaseB = b.lease(id, "host-b", Duration.ofSeconds(6));
        assertThat(b.renew(leaseB, Duration.ofSeconds(6)).handOverAsked()).as("the ask was of the lease before").isFalse();

        clock.advance(Duration.ofSeconds(7));
        assertThat(a.askHandOver(id)).as("expired: nothing to ask of").isFalse();
        assertThat(a.lease(id, "host-a", Duration.ofSeconds(6)).handOverAsked()).isFalse();

        // what each host's store counted: b was refused once and asked twice; a handed over once and took b's lapsed lease over
        assertThat(b.leaseCounts()).hasValueSatisfying(n -> {
            assertThat(n.refused()).isEqualTo(1);
            assertThat(n.asked()).isEqualTo(2);
            assertThat(n.handedOver()).isZero();
            assertThat(n.takenOver()).isZero();
        });
        assertThat(a.leaseCounts()).hasValueSatisfying(n -> {
            assertThat(n.refused()).isZero();
            assertThat(n.asked()).isZero();
            assertThat(n.handedOver()).isEqualTo(1);
            assertThat(n.takenOver()).isEqualTo(1);
        });
    }

    @Test
    default void aReleasedLeaseAndAStaleVersionWriteNothing() {
        ConversationStore a = store().open();
        ConversationStore b = store().open();
        String id = newThreadId();
        ConversationLease leaseA = a.lease(id, "host-a", TTL);
        StoredConversation v1 = a.put(leaseA, Lineages.small(id, 1));
        assertThat(a.release(leaseA)).isTrue();
        assertThat(a.release(leaseA)).as("released twice").isFalse();
        assertThatThrownBy(() -> a.put(leaseA, Lineages.small(id, 2).toBuilder().version(1).build()))
                .isInstanceOf(LeaseLostException.class).hasMessageContaining("released");

        ConversationLease leaseB = b.lease(id, "host-b", TTL);
        StoredConversation v2 = b.put(leaseB, Lineages.small(id, 3).toBuilder().version(v1.version()).build());
        assertThatThrownBy(() -> a.put(leaseA, Lineages.small(id, 7).toBuilder().version(v1.version()).build()))
                .as("the lease is checked before the version").isInstanceOf(LeaseLostException.class);
        b.release(leaseB);
        // host A leases again but writes from the version it read before B's write
        ConversationLease again = a.lease(id, "host-a", TTL);
        assertThatThrownBy(() -> a.put(again, Lineages.small(id, 4).toBuilder().version(v1.version()).build()))
                .isInstanceOfSatisfying(VersionConflictException.class, e -> {
                    assertThat(e.expected()).isEqualTo(1);
                    assertThat(e.actual()).isEqualTo(2);
                    assertThat(e.threadId()).isEqualTo(id);
                });
        assertThatThrownBy(() -> a.put(again, Lineages.small(id, 5))).as("a new conversation's version 0").isInstanceOf(VersionConflictException.class);
        assertThat(a.get(id)).contains(v2);
        ConversationLease forged = new ConversationLease(id, "host-a", "not-the-token", Instant.now().plusSeconds(60));
        assertThatThrownBy(() -> a.put(forged, Lineages.small(id, 6).toBuilder().version(2).build())).isInstanceOf(LeaseLostException.class);
    }
}
