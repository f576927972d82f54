package dev.codexbridge.store;

import dev.codexbridge.internal.UntrustedText;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A sleeping conversation as a store holds it: everything a codex with another
 * {@code CODEX_HOME} needs to resume the thread by its id, and what the host keeps beside it.
 *
 * <ul>
 *   <li>{@code threadId}: codex's thread id (a lowercase canonical UUID);</li>
 *   <li>{@code lineage}: its rollout files in order — the thread's own, every file a revert
 *       started, and a fork's source files — copied byte for byte under {@code sessions/} with the
 *       same relative paths; at least one is the thread's own;</li>
 *   <li>{@code owner}, {@code name}, {@code goal}: codex keeps name and goal outside the rollouts,
 *       so they are set again ({@code thread/name/set}, {@code thread/goal/set}) after a copy;</li>
 *   <li>{@code settings}: opaque to the store (the session layer's own text, JSON by
 *       convention);</li>
 *   <li>{@code lastCompletedTurnId}: the last turn the host saw complete;</li>
 *   <li>{@code version}: the store's count of writes. A record read from a store carries the
 *       version stored; {@link ConversationStore#put} takes the version the caller read (0 for a
 *       conversation not yet stored) and stores the next one only if that is still the current
 *       one.</li>
 * </ul>
 */
public record StoredConversation(String threadId, List<RolloutFile> lineage, @Nullable ConversationOwner owner,
                                 @Nullable String name, @Nullable String goal, @Nullable String settings,
                                 @Nullable String lastCompletedTurnId, long version) {
    public StoredConversation {
        Objects.requireNonNull(threadId, "threadId");
        if (!RolloutFile.isThreadId(threadId)) {
            throw new IllegalArgumentException("not a thread id as codex writes it (a lowercase canonical UUID): "
                    + UntrustedText.escape(UntrustedText.redactedPrefix(threadId, 80)));
        }
        lineage = List.copyOf(lineage);
        if (lineage.isEmpty()) {
            throw new IllegalArgumentException("conversation " + threadId + " has no rollout file (codex cannot resume a thread without one)");
        }
        Set<String> paths = new HashSet<>();
        boolean own = false;
        for (RolloutFile f : lineage) {
            if (!paths.add(f.relativePath())) {
                throw new IllegalArgumentException("rollout " + f.relativePath() + " is twice in the lineage of " + threadId);
            }
            own |= f.threadId().equals(threadId);
        }
        if (!own) {
            throw new IllegalArgumentException("no rollout file of the lineage is thread " + threadId + "'s own");
        }
        if (version < 0) {
            throw new IllegalArgumentException("negative version " + version + " of conversation " + threadId);
        }
    }

    /** A conversation not yet stored (version 0) with no owner, name, goal, settings or turn id yet. */
    public static Builder builder(String threadId, List<RolloutFile> lineage) {
        return new Builder(threadId, lineage);
    }

    /** A builder that starts from this record. */
    public Builder toBuilder() {
        return new Builder(threadId, lineage).owner(owner).name(name).goal(goal).settings(settings)
                .lastCompletedTurnId(lastCompletedTurnId).version(version);
    }

    /** The lineage's bytes in all. */
    public long lineageBytes() {
        return lineage.stream().mapToLong(RolloutFile::size).sum();
    }

    /** Builds a {@link StoredConversation}. */
    public static final class Builder {
        private final String threadId;
        private List<RolloutFile> lineage;
        private @Nullable ConversationOwner owner;
        private @Nullable String name;
        private @Nullable String goal;
        private @Nullable String settings;
        private @Nullable String lastCompletedTurnId;
        private long version;

        private Builder(String threadId, List<RolloutFile> lineage) {
            this.threadId = threadId;
            this.lineage = lineage;
        }

        public Builder lineage(List<RolloutFile> files) {
            this.lineage = files;
            return this;
        }

        public Builder owner(@Nullable ConversationOwner owner) {
            this.owner = owner;
            return this;
        }

        public Builder name(@Nullable String name) {
            this.name = name;
            return this;
        }

        public Builder goal(@Nullable String goal) {
            this.goal = goal;
            return this;
        }

        public Builder settings(@Nullable String settings) {
            this.settings = settings;
            return this;
        }

        public Builder lastCompletedTurnId(@Nullable String turnId) {
            this.lastCompletedTurnId = turnId;
            return this;
        }

        public Builder version(long version) {
            this.version = version;
            return this;
        }

        public StoredConversation build() {
            return new StoredConversation(threadId, lineage, owner, name, goal, settings, lastCompletedTurnId, version);
        }
    }
}
