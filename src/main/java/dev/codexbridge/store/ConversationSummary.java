package dev.codexbridge.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What {@link ConversationStore#list} says of a stored conversation without reading its lineage:
 * its id, owner, name, version, how many rollout files and bytes, and when this version was put.
 */
public record ConversationSummary(String threadId, @Nullable ConversationOwner owner, @Nullable String name, long version,
                                  int files, long lineageBytes, Instant storedAt) {
}
