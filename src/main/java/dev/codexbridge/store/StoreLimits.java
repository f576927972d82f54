package dev.codexbridge.store;

/**
 * The caps a store holds every conversation to; a put beyond one is refused with
 * {@link ConversationTooLargeException} before anything is written. {@link #DEFAULTS}: 128 MiB of
 * rollouts in at most 256 files, each text field (owner, name, goal, settings, turn id) at most
 * 1 MiB of UTF-8. A store reads a lineage into memory to check it before handing it out, so
 * {@code maxLineageBytes} is also what one {@link ConversationStore#get} may hold; it cannot be set
 * above 1 GiB (PostgreSQL's largest value).
 */
public record StoreLimits(long maxLineageBytes, int maxFiles, int maxTextBytes) {
    /** The largest lineage any store takes. */
    public static final long MAX_LINEAGE_BYTES = 1L << 30;
    public static final StoreLimits DEFAULTS = new StoreLimits(128L << 20, 256, 1 << 20);

    public StoreLimits {
        if (maxLineageBytes < 1 || maxLineageBytes > MAX_LINEAGE_BYTES) {
            throw new IllegalArgumentException("maxLineageBytes must be 1 to " + MAX_LINEAGE_BYTES + ": " + maxLineageBytes);
        }
        if (maxFiles < 1 || maxFiles > 10_000) {
            throw new IllegalArgumentException("maxFiles must be 1 to 10000: " + maxFiles);
        }
        if (maxTextBytes < 1 || maxTextBytes > (16 << 20)) {
            throw new IllegalArgumentException("maxTextBytes must be 1 to 16 MiB: " + maxTextBytes);
        }
    }
}
