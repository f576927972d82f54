package dev.codexbridge.store;

import java.time.Duration;

/** The send records a door keeps in its own process ({@link SendRecords#inMemory}) under the contract, every host one instance. */
class MemorySendRecordsTest implements StoreSendsContract {
    private SendRecords shared;

    @Override
    public SendRecords sends(MutableClock clock, Duration window, int max) {
        if (shared == null) {
            shared = SendRecords.inMemory(window, max, clock);
        }
        return shared;
    }

    @Override
    public StoreUnderTest store() {
        throw new UnsupportedOperationException("records in memory have no store");
    }

    @org.junit.jupiter.api.Test
    void theAnswersKeptInMemoryAreBoundedInAllNotOnlyByTheirCount() {
        MutableClock clock = new MutableClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
        SendRecords records = SendRecords.inMemory(WINDOW, 1_000, clock);
        String answer = "x".repeat(dev.codexbridge.store.spi.SendChecks.MAX_OUTCOME_BYTES);
        java.util.List<SendKey> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 80; i++) {
            SendKey k = new SendKey("openai", "alice", "key-" + i);
            keys.add(k);
            records.settle(k, ((SendClaim.Claimed) records.claim(k, "fp", "host", HOLD)).token(), answer);
        }
        long kept = keys.stream().filter(k -> records.find(k).isPresent()).count();
        org.assertj.core.api.Assertions.assertThat(kept).as("64 of 1 MiB each").isEqualTo(64);
        org.assertj.core.api.Assertions.assertThat(records.find(keys.get(0))).isEmpty();
        org.assertj.core.api.Assertions.assertThat(records.find(keys.get(79))).isPresent();
    }
}
