package dev.codexbridge.store.spi;

import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.ConversationTooLargeException;
import dev.codexbridge.store.CorruptConversationException;
import dev.codexbridge.store.LeaseLostException;
import dev.codexbridge.store.RolloutAppend;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.RolloutSource;
import dev.codexbridge.store.StoreLimits;
import dev.codexbridge.store.StoredConversation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** The checks every store makes the same way: arguments, caps, and a record read back. */
public final class StoreChecks {
    /** The longest holder name: it is shown in messages and stored with every lease. */
    public static final int MAX_HOLDER_CHARS = 256;
    /** The longest lease: a host that died holding one blocks its conversations that long. */
    public static final Duration MAX_TTL = Duration.ofDays(1);

    private StoreChecks() {
    }

    /** A thread id a store may file a conversation under. */
    public static String threadId(String threadId) {
        Objects.requireNonNull(threadId, "threadId");
        if (!RolloutFile.isThreadId(threadId)) {
            throw new IllegalArgumentException("not a thread id as codex writes it (a lowercase canonical UUID): "
                    + UntrustedText.escape(UntrustedText.redactedPrefix(threadId, 80)));
        }
        return threadId;
    }

    /** The arguments of a lease. */
    public static void lease(String threadId, String holder, Duration ttl) {
        threadId(threadId);
        Objects.requireNonNull(holder, "holder");
        if (holder.isBlank() || holder.length() > MAX_HOLDER_CHARS) {
            throw new IllegalArgumentException("a lease holder's name is 1 to " + MAX_HOLDER_CHARS + " characters");
        }
        // a host's own name, shown in messages: PostgreSQL's text holds no U+0000, so no store takes one
        if (holder.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a lease holder's name has no U+0000 character");
        }
        ttl(ttl);
    }

    public static Duration ttl(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("a lease lasts more than 0 and at most " + MAX_TTL + ": " + ttl);
        }
        return ttl;
    }

    /**
     * When a lease taken or renewed at {@code now} for {@code ttl} expires: to the microsecond, as
     * PostgreSQL keeps time, so every store compares the same instants.
     */
    public static Instant expiry(Instant now, Duration ttl) {
        return now.plus(ttl).truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * How long an ask for a conversation stays fresh ({@code ConversationStore.HAND_OVER_ASK_FRESH}
     * names it to hosts): a holder renews at a third of its lease (a door's: 2 s) and acts on it then.
     * Kept here, below the store's interface, so that the checks need nothing of the package above.
     */
    public static final Duration HAND_OVER_ASK_FRESH = Duration.ofSeconds(5);

    /**
     * Whether another host's ask for a conversation made at {@code askedAt} (null: none since the
     * lease was taken) still stands at {@code now}: within {@link #HAND_OVER_ASK_FRESH}.
     */
    public static boolean handOverAsked(@Nullable Instant askedAt, Instant now) {
        return askedAt != null && askedAt.plus(HAND_OVER_ASK_FRESH).isAfter(now);
    }

    /**
     * Checks that {@code lease} is still the conversation's lease in force at {@code now}, given
     * the lease the store holds for it ({@code current}, empty when none).
     *
     * @throws LeaseLostException naming why not
     */
    public static void inForce(ConversationLease lease, Optional<ConversationLease> current, Instant now) {
        if (current.isEmpty()) {
            throw new LeaseLostException(lease, "it was released (or never taken)");
        }
        if (!current.get().token().equals(lease.token())) {
            throw new LeaseLostException(lease, "the conversation was leased again, to " + current.get().holder());
        }
        if (!current.get().liveAt(now)) {
            throw new LeaseLostException(lease, "it expired at " + current.get().expiresAt());
        }
    }

    /** A new lease token: a host cannot guess another's. */
    public static String newToken() {
        return UUID.randomUUID().toString();
    }

    /** A put's arguments and caps, before anything is written. */
    public static void put(StoreLimits limits, ConversationLease lease, StoredConversation conversation) {
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(conversation, "conversation");
        String id = conversation.threadId();
        if (!lease.threadId().equals(id)) {
            throw new IllegalArgumentException("the lease is on conversation " + lease.threadId() + ", not " + id);
        }
        withinLimits(limits, id, conversation.lineage().size(), conversation.lineageBytes());
        ConversationOwner owner = conversation.owner();
        text(limits, id, "owner principal", owner == null ? null : owner.principal());
        text(limits, id, "owner tenant", owner == null ? null : owner.tenant());
        text(limits, id, "name", conversation.name());
        text(limits, id, "goal", conversation.goal());
        text(limits, id, "settings", conversation.settings());
        text(limits, id, "last completed turn id", conversation.lastCompletedTurnId());
    }

    /**
     * The version a put stores after the stored version {@code current} (0: none stored). No store
     * counts to the last version a {@code long} holds, so a record that says it is there, or below
     * 0, is corrupt: refused before anything is written, never an overflow.
     */
    public static long nextVersion(String threadId, long current) {
        if (current < 0) {
            throw new CorruptConversationException(threadId, "the record is at version " + current + ", below 0");
        }
        if (current == Long.MAX_VALUE) {
            throw new CorruptConversationException(threadId, "the record is at version " + current
                    + ", the last a version number holds: no put can follow it");
        }
        return current + 1;
    }

    /**
     * The appends of a {@code putAppending}, against the lineage they belong to: each names a file
     * of it, once, whose declared size is the base's and the tail's; returned by path.
     */
    public static Map<String, RolloutAppend> appends(StoredConversation conversation, List<RolloutAppend> appends) {
        Objects.requireNonNull(appends, "appends");
        Map<String, RolloutFile> files = new HashMap<>();
        conversation.lineage().forEach(f -> files.put(f.relativePath(), f));
        Map<String, RolloutAppend> byPath = new LinkedHashMap<>();
        for (RolloutAppend a : appends) {
            RolloutFile f = files.get(a.relativePath());
            if (f == null) {
                throw new IllegalArgumentException("the append to rollout " + a.relativePath() + " names no file of the lineage");
            }
            if (f.size() != a.size()) {
                throw new IllegalArgumentException("the append to rollout " + a.relativePath() + " makes " + a.size()
                        + " bytes; the lineage declares " + f.size());
            }
            if (byPath.put(a.relativePath(), a) != null) {
                throw new IllegalArgumentException("rollout " + a.relativePath() + " is appended to twice");
            }
        }
        return byPath;
    }

    private static void text(StoreLimits limits, String threadId, String field, @Nullable String value) {
        if (value == null) {
            return;
        }
        // a UTF-8 byte count only when the characters alone could be over: most fields are short
        if ((long) value.length() * 3 > limits.maxTextBytes()) {
            int bytes = value.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > limits.maxTextBytes()) {
                throw new ConversationTooLargeException(threadId, field + " bytes", bytes, limits.maxTextBytes());
            }
        }
    }

    /** The most a list returns at once. */
    public static int listLimit(int limit) {
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("a list returns 1 to 10000 conversations at a time: " + limit);
        }
        return limit;
    }

    /** A record read back is refused beyond the caps, before its rollouts are read into memory. */
    public static void withinLimits(StoreLimits limits, String threadId, long files, long bytes) {
        if (files > limits.maxFiles()) {
            throw new ConversationTooLargeException(threadId, "rollout files", files, limits.maxFiles());
        }
        if (bytes > limits.maxLineageBytes()) {
            throw new ConversationTooLargeException(threadId, "lineage bytes", bytes, limits.maxLineageBytes());
        }
    }

    /** A rollout path a record gives, checked to be one codex writes before it is shown or used. */
    public static String rolloutPath(String threadId, String path) {
        if (!RolloutFile.isRolloutPath(path)) {
            throw new CorruptConversationException(threadId, "a rollout path in the record is not one codex writes: "
                    + UntrustedText.escape(UntrustedText.redactedPrefix(path, 200)));
        }
        return path;
    }

    /**
     * A rollout's size as its record gives it, checked before anything of it is read: negative is
     * corrupt, above {@code maxBytes} (the lineage's cap) too large; so the sum of the sizes, each
     * checked, is the lineage's bytes and cannot wrap.
     */
    public static long recordedSize(long maxBytes, String threadId, String path, long size) {
        if (size < 0) {
            throw new CorruptConversationException(threadId, "rollout " + path + " has a negative size in the record: " + size);
        }
        if (size > maxBytes) {
            throw new ConversationTooLargeException(threadId, "lineage bytes", size, maxBytes);
        }
        return size;
    }

    /** A rollout whose stored bytes are not as many as its record says. */
    public static CorruptConversationException sizeMismatch(String threadId, String path, long actual, long recorded) {
        return new CorruptConversationException(threadId, "rollout " + path + " has " + actual + " bytes, the record says " + recorded
                + (actual < recorded ? " (cut short)" : ""));
    }

    /**
     * A rollout read back from storage, checked against what its record says of it: a name codex
     * would write, as many bytes as recorded (fewer: cut short), the recorded hash.
     */
    public static RolloutFile readBack(String threadId, String path, long size, String sha256, byte[] bytes) {
        rolloutPath(threadId, path);
        if (bytes.length != size) {
            throw sizeMismatch(threadId, path, bytes.length, size);
        }
        if (!Sha256.hex(bytes).equals(sha256)) {
            throw new CorruptConversationException(threadId, "rollout " + path + ": its SHA-256 does not match the record");
        }
        return new RolloutFile(path, size, sha256, RolloutSource.of(bytes));
    }

    /** A record built from what was read back; one the record type itself refuses is corrupt. */
    public static StoredConversation record(String threadId, Supplier<StoredConversation> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CorruptConversationException(threadId, "the record does not hold together: " + e.getMessage(), e);
        }
    }
}
