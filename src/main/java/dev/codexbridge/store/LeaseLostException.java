package dev.codexbridge.store;

import dev.codexbridge.FailureKind;

/**
 * A put, renew or delete came with a lease that is no longer in force: it expired, was released,
 * or another host leased the conversation since. Nothing was changed. The caller leases again and
 * reads the conversation again before writing ({@link FailureKind#ALREADY_OPEN}).
 */
public class LeaseLostException extends ConversationStoreException {
    private static final long serialVersionUID = 1L;

    public LeaseLostException(ConversationLease lease, String why) {
        super(lease.threadId(), "the lease of " + lease.holder() + " on conversation " + lease.threadId() + " is no longer in force: " + why,
                null, FailureKind.ALREADY_OPEN);
    }
}
