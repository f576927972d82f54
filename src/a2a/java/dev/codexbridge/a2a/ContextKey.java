package dev.codexbridge.a2a;

import java.util.Objects;

/**
 * What names one A2A context: its principal and the id that principal gave it. Context ids are
 * each principal's own (decision 0102): the same {@code contextId} from two principals names two
 * contexts, so every store and board call names a context by both.
 */
record ContextKey(String principal, String contextId) {
    ContextKey {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(contextId, "contextId");
    }
}
