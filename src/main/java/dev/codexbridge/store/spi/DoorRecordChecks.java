package dev.codexbridge.store.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.regex.Pattern;

/** The checks every {@code DoorRecords} makes the same way: its bounds, a kind, a key, a value's size. */
public final class DoorRecordChecks {
    /** The longest key: a digest or an id, with room for a door's prefix. */
    public static final int MAX_KEY_CHARS = 512;
    /** The largest value: a response as a door keeps it is some KiB; a long one a few hundred. */
    public static final int MAX_VALUE_BYTES = 4 << 20;
    /** The most keys one {@code getAll} asks for. */
    public static final int MAX_KEYS = 1000;
    /** The longest window. */
    public static final Duration MAX_WINDOW = Duration.ofDays(3650);
    private static final Pattern KIND = Pattern.compile("[a-z0-9][a-z0-9.-]{0,63}");

    private DoorRecordChecks() {
    }

    /** A store's window and count bound. */
    public static void bounds(Duration window, int maxRecords) {
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || window.isZero() || window.compareTo(MAX_WINDOW) > 0) {
            throw new IllegalArgumentException("a door record is kept more than 0 and at most " + MAX_WINDOW + ": " + window);
        }
        if (maxRecords < 1) {
            throw new IllegalArgumentException("keep at least one door record, not " + maxRecords);
        }
    }

    /** A record's kind and key. */
    public static void name(String kind, String key) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        if (!KIND.matcher(kind).matches()) {
            throw new IllegalArgumentException("a door record's kind is 1 to 64 of a-z, 0-9, '.' and '-', beginning with a letter or digit: "
                    + kind);
        }
        if (key.isEmpty() || key.length() > MAX_KEY_CHARS || key.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a door record's key is 1 to " + MAX_KEY_CHARS + " characters, no U+0000");
        }
    }

    /** A value a record may keep. */
    public static byte[] value(byte[] value) {
        Objects.requireNonNull(value, "value");
        if (value.length > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("a door record's value is at most " + MAX_VALUE_BYTES + " bytes, not " + value.length);
        }
        return value;
    }

    /** The keys of one {@code getAll}. */
    public static void keys(String kind, Collection<String> keys) {
        Objects.requireNonNull(keys, "keys");
        if (keys.size() > MAX_KEYS) {
            throw new IllegalArgumentException("at most " + MAX_KEYS + " door records are read at once, not " + keys.size());
        }
        keys.forEach(k -> name(kind, k));
    }
}
