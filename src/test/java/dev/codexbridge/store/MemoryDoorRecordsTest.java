package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The door records a door keeps in its own process ({@link DoorRecords#inMemory}) under the contract, every host one instance. */
class MemoryDoorRecordsTest implements StoreDoorRecordsContract {
    private DoorRecords shared;

    @Override
    public DoorRecords doorRecords(MutableClock clock, Duration window, int max) {
        if (shared == null) {
            shared = DoorRecords.inMemory(max);
        }
        return shared;
    }

    @Override
    public StoreUnderTest store() {
        throw new UnsupportedOperationException("records in memory have no store");
    }

    /** Memory has no window (a process ends sooner than any): only the count and the bytes bound it. */
    @Test
    @Override
    public void aRecordIsKeptForTheWindowFromItsLastWriteAndTheCountKeepsTheNewest() {
        DoorRecords records = doorRecords(new MutableClock(Instant.parse("2026-01-01T00:00:00Z")), Duration.ofHours(1), 5);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            keys.add("k" + i);
            records.put("openai.response", "k" + i, new byte[] {(byte) i});
        }
        records.put("openai.response", "k3", new byte[] {33});
        records.put("openai.response", "k8", new byte[] {8});
        assertThat(keys.stream().filter(k -> records.get("openai.response", k).isPresent()))
                .as("k4 forgotten, not k3: written again, it counts as newer").containsExactly("k3", "k5", "k6", "k7");
        assertThat(records.get("openai.response", "k3")).hasValueSatisfying(v -> assertThat(v).containsExactly(33));
    }

    /** Memory has no window: a record forgotten beyond the count is none for a replace, as it reads. */
    @Test
    @Override
    public void aReplaceTakesARecordPastItsWindowAsNone() {
        DoorRecords records = doorRecords(new MutableClock(Instant.parse("2026-01-01T00:00:00Z")), Duration.ofHours(1), 2);
        records.put("openai.conversation", "old", new byte[] {1, 2});
        records.put("openai.conversation", "k1", new byte[] {1});
        records.put("openai.conversation", "k2", new byte[] {2});
        assertThat(records.replace("openai.conversation", "old", new byte[] {1, 2}, new byte[] {4})).as("forgotten, it is none").isFalse();
        assertThat(records.replace("openai.conversation", "old", null, new byte[] {4})).isTrue();
        assertThat(records.get("openai.conversation", "old")).hasValueSatisfying(v -> assertThat(v).containsExactly(4));
    }

    @Test
    void theValuesKeptInMemoryAreBoundedInAllNotOnlyByTheirCount() {
        DoorRecords records = new MemoryDoorRecords(1_000, 1 << 20);
        byte[] big = new byte[64 << 10];
        for (int i = 0; i < 80; i++) {
            records.put("openai.response", "k" + i, big);
        }
        long kept = java.util.stream.IntStream.range(0, 80).filter(i -> records.get("openai.response", "k" + i).isPresent()).count();
        assertThat(kept).as("1 MiB of 64 KiB each").isEqualTo(16);
        assertThat(records.get("openai.response", "k79")).isPresent();
    }
}
