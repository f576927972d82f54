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
}
