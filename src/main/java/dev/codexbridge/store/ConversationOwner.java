package dev.codexbridge.store;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Who a stored conversation belongs to: the principal that opened it and, when the host keeps
 * tenants apart, its tenant. It travels with the conversation, so the host that wakes it checks
 * ownership as the host that put it to sleep did.
 */
public record ConversationOwner(String principal, @Nullable String tenant) {
    public ConversationOwner {
        Objects.requireNonNull(principal, "principal");
        if (principal.isEmpty()) {
            throw new IllegalArgumentException("an owner's principal is not empty");
        }
    }

    /** A principal with no tenant. */
    public static ConversationOwner of(String principal) {
        return new ConversationOwner(principal, null);
    }
}
