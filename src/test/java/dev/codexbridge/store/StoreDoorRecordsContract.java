package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The contract of a store's door records ({@link DoorRecords}; decision 0126): a value kept under a
 * kind and a key is read back byte for byte by another host sharing the storage, replaced by the
 * last write, forgotten on delete, read many at once; kinds keep apart; the window and the count
 * bound them; a bad name or a value too large is refused before anything is kept. A replace writes
 * only over the value its caller read, so hosts changing one record at once lose none of each
 * other's changes.
 */
interface StoreDoorRecordsContract extends StoreContract {
    /** The records of a new host on the shared storage, on {@code clock}. */
    default DoorRecords doorRecords(MutableClock clock, Duration window, int max) {
        return store().open(StoreLimits.DEFAULTS, clock).doorRecords(window, max).orElseThrow();
    }

    private static String key() {
        return "resp_" + UUID.randomUUID();
    }

    @Test
    default void aValueIsReadBackByAnotherHostReplacedWholeAndForgotten() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        DoorRecords a = doorRecords(clock, DoorRecords.DEFAULT_WINDOW, 1000);
        DoorRecords b = doorRecords(clock, DoorRecords.DEFAULT_WINDOW, 1000);
        String key = key();
        byte[] binary = new byte[70_000];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) (i * 31);
        }
        assertThat(b.get("openai.response", key)).isEmpty();
        a.put("openai.response", key, binary);
        assertThat(b.get("openai.response", key)).hasValueSatisfying(v -> assertThat(v).isEqualTo(binary));
        assertThat(b.get("openai.newest", key)).as("another kind, the same key").isEmpty();

        b.put("openai.response", key, "é ✓".getBytes(StandardCharsets.UTF_8));
        assertThat(a.get("openai.response", key)).hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("é ✓"));
        a.put("openai.response", key, new byte[0]);
        assertThat(b.get("openai.response", key)).hasValueSatisfying(v -> assertThat(v).isEmpty());

        assertThat(b.delete("openai.response", key)).isTrue();
        assertThat(a.get("openai.response", key)).isEmpty();
        assertThat(a.delete("openai.response", key)).as("nothing left to forget").isFalse();
    }

    @Test
    default void manyAreReadAtOnceAndOnlyThoseKeptAreAnswered() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        DoorRecords records = doorRecords(clock, DoorRecords.DEFAULT_WINDOW, 1000);
        String one = key();
        String two = "chat:" + "a1b2".repeat(16);
        String none = key();
        records.put("openai.chat", one, new byte[] {1});
        records.put("openai.chat", two, new byte[] {2, 2});
        records.put("openai.other", none, new byte[] {3});

        Map<String, byte[]> found = doorRecords(clock, DoorRecords.DEFAULT_WINDOW, 1000).getAll("openai.chat", List.of(one, two, none));
        assertThat(found).containsOnlyKeys(one, two);
        assertThat(found.get(one)).containsExactly(1);
        assertThat(found.get(two)).containsExactly(2, 2);
        assertThat(records.getAll("openai.chat", List.of())).isEmpty();
    }

    @Test
    default void aRecordIsKeptForTheWindowFromItsLastWriteAndTheCountKeepsTheNewest() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        DoorRecords records = doorRecords(clock, Duration.ofHours(1), 5);
        String old = key();
        records.put("openai.response", old, new byte[] {1});
        clock.advance(Duration.ofMinutes(59));
        assertThat(records.get("openai.response", old)).isPresent();
        records.put("openai.response", old, new byte[] {2});
        clock.advance(Duration.ofMinutes(59));
        assertThat(records.get("openai.response", old)).as("written again: the window starts again").hasValueSatisfying(
                v -> assertThat(v).containsExactly(2));
        clock.advance(Duration.ofMinutes(2));
        assertThat(records.get("openai.response", old)).as("past the window").isEmpty();
        assertThat(records.getAll("openai.response", List.of(old))).isEmpty();

        // a hundred and more puts: a store checking its count does so at least every hundred
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            clock.advance(Duration.ofSeconds(1));
            String k = key();
            keys.add(k);
            records.put("openai.response", k, new byte[] {(byte) i});
            sleepAMillisecond();        // files' times tell the order on disk
        }
        assertThat(records.get("openai.response", keys.get(0))).as("the oldest, beyond the count").isEmpty();
        assertThat(records.get("openai.response", keys.get(keys.size() - 1))).as("the newest").isPresent();
        long kept = keys.stream().filter(k -> records.get("openai.response", k).isPresent()).count();
        assertThat(kept).isBetween(5L, 5L + 100);
    }

    @Test
    default void aBadNameOrAValueTooLargeIsRefusedAndNothingIsKept() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        DoorRecords records = doorRecords(clock, DoorRecords.DEFAULT_WINDOW, 1000);
        String key = key();
        assertThatThrownBy(() -> records.put("OpenAI", key, new byte[1])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kind");
        assertThatThrownBy(() -> records.put("openai", "", new byte[1])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
        assertThatThrownBy(() -> records.put("openai", "a\0b", new byte[1])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> records.put("openai", key, new byte[dev.codexbridge.store.spi.DoorRecordChecks.MAX_VALUE_BYTES + 1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most");
        assertThat(records.get("openai", key)).isEmpty();
        List<String> tooMany = new ArrayList<>();
        for (int i = 0; i <= dev.codexbridge.store.spi.DoorRecordChecks.MAX_KEYS; i++) {
            tooMany.add("k" + i);
        }
        assertThatThrownBy(() -> records.getAll("openai", tooMany)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    default void aReplaceWritesOnlyOverTheValueItWasMadeFrom() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        DoorRecords a = doorRecords(clock, Duration.ofHours(1), 1000);
        DoorRecords b = doorRecords(clock, Duration.ofHours(1), 1000);
        String key = key();
        assertThat(a.replace("openai.conversation", key, null, new byte[] {1})).as("none there, none expected").isTrue();
        assertThat(b.replace("openai.conversation", key, null, new byte[] {9})).as("one there, none expected").isFalse();
        assertThat(b.replace("openai.conversation", key, new byte[] {2}, new byte[] {9})).as("another value expected").isFalse();
        assertThat(a.get("openai.conversation", key)).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
        assertThat(b.replace("openai.conversation", key, new byte[] {1}, new byte[] {1, 2})).isTrue();
        assertThat(a.get("openai.conversation", key)).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2));
        assertThat(a.replace("openai.other", key, new byte[] {1, 2}, new byte[] {3})).as("another kind, the same key").isFalse();
        assertThat(a.replace("openai.conversation", key(), new byte[] {1, 2}, new byte[] {3})).as("a value expected, none there").isFalse();
        assertThatThrownBy(() -> a.replace("openai.conversation", key, new byte[] {1, 2},
                new byte[dev.codexbridge.store.spi.DoorRecordChecks.MAX_VALUE_BYTES + 1])).isInstanceOf(IllegalArgumentException.class);
        assertThat(a.get("openai.conversation", key)).hasValueSatisfying(v -> assertThat(v).containsExactly(1, 2));
    }

    @Test
    default void aReplaceTakesARecordPastItsWindowAsNone() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        DoorRecords records = doorRecords(clock, Duration.ofHours(1), 1000);
        String key = key();
        records.put("openai.conversation", key, new byte[] {1, 2});
        clock.advance(Duration.ofMinutes(61));
        assertThat(records.replace("openai.conversation", key, new byte[] {1, 2}, new byte[] {4})).as("past the window it is none").isFalse();
        assertThat(records.replace("openai.conversation", key, null, new byte[] {4})).isTrue();
        assertThat(records.get("openai.conversation", key)).hasValueSatisfying(v -> assertThat(v).containsExactly(4));
    }

    /**
     * Two hosts, two threads each, each adding to one counter by reading it and replacing what it
     * read, going round when the replace says no: every addition is in the end. Written with
     * {@code put} after the read, additions made at the same moment would write over each other.
     */
    @Test
    default void hostsReplacingOneRecordAtOnceLoseNoChange() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        List<DoorRecords> hosts = List.of(doorRecords(clock, DoorRecords.DEFAULT_WINDOW, 1000),
                doorRecords(clock, DoorRecords.DEFAULT_WINDOW, 1000));
        String key = key();
        hosts.get(0).put("openai.conversation", key, "0".getBytes(StandardCharsets.UTF_8));
        int each = 40;
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger rounds = new java.util.concurrent.atomic.AtomicInteger();
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                DoorRecords host = hosts.get(t % 2);
                done.add(threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        while (true) {
                            byte[] was = host.get("openai.conversation", key).orElseThrow();
                            int n = Integer.parseInt(new String(was, StandardCharsets.UTF_8));
                            if (host.replace("openai.conversation", key, was, Integer.toString(n + 1).getBytes(StandardCharsets.UTF_8))) {
                                break;
                            }
                            rounds.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (java.util.concurrent.Future<?> f : done) {
                f.get(120, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(new String(hosts.get(1).get("openai.conversation", key).orElseThrow(), StandardCharsets.UTF_8))
                .as("every addition kept (%d went round again)", rounds.get()).isEqualTo(Integer.toString(4 * each));
    }

    private static void sleepAMillisecond() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
