package dev.codexbridge.store;

import java.time.Duration;

/**
 * The contract every {@link ConversationStore} keeps, in three parts a test class implements
 * together ({@link StoreRoundTripContract}, {@link StoreIntegrityContract},
 * {@link StoreExclusivityContract}) over its {@link StoreUnderTest}.
 */
interface StoreContract {
    /** A lease that outlasts any test. */
    Duration TTL = Duration.ofMinutes(1);

    StoreUnderTest store();
}
