package dev.codexbridge.transport;

import java.util.Arrays;

/**
 * Puts one inbound text message together from the parts the JDK's WebSocket hands over, as UTF-8
 * bytes, and holds it to a limit in bytes: the limit is the endpoint's {@code maxMessageBytes}, so
 * it must count what the peer is given, not UTF-16 chars (a message of non-Latin text would pass a
 * char count at three times the bytes, and a char builder, its string and its bytes were each a
 * copy of it). The buffer grows to at most the limit; a message over it is let go at once and
 * reported dropped at its end. Raw newlines, JSON whitespace only, become spaces, so a message is
 * one line wherever it is written down (see {@link FrameReader}); an unpaired surrogate becomes
 * {@code ?}, as {@link String#getBytes} makes it. A surrogate pair split between two parts is
 * joined. Not thread-safe: the JDK calls a listener one part at a time.
 */
final class TextMessageBuffer {
    private static final int INITIAL = 8 * 1024;
    /** After a large message, give the memory back instead of keeping it for the connection's lifetime. */
    private static final int SHRINK_ABOVE = 1024 * 1024;

    private final int maxBytes;
    private byte[] bytes = new byte[INITIAL];
    private int length;
    /** A high surrogate that ended the last part, waiting for its low half; 0 when none. */
    private char pendingHigh;
    private boolean over;

    TextMessageBuffer(int maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
        this.maxBytes = maxBytes;
    }

    /** Adds the next part of the message; nothing is kept once the message is over the limit. */
    void append(CharSequence part) {
        for (int i = 0, n = part.length(); i < n && !over; i++) {
            char c = part.charAt(i);
            if (pendingHigh != 0) {
                char high = pendingHigh;
                pendingHigh = 0;
                if (Character.isLowSurrogate(c)) {
                    codePoint(Character.toCodePoint(high, c));
                    continue;
                }
                put((byte) '?');
            }
            if (Character.isHighSurrogate(c)) {
                pendingHigh = c;
            } else if (Character.isLowSurrogate(c)) {
                put((byte) '?');
            } else {
                codePoint(c);
            }
        }
    }

    /**
     * The message, and the buffer emptied for the next one; null when it was over the limit
     * (dropped).
     */
    byte[] finish() {
        if (pendingHigh != 0 && !over) {
            pendingHigh = 0;
            put((byte) '?');
        }
        byte[] message = over ? null : Arrays.copyOf(bytes, length);
        pendingHigh = 0;
        over = false;
        length = 0;
        if (bytes.length > SHRINK_ABOVE) {
            bytes = new byte[INITIAL];
        }
        return message;
    }

    /** Bytes of the message so far (tests). */
    int length() {
        return length;
    }

    private void codePoint(int cp) {
        if (cp < 0x80) {
            put((byte) (cp == '\n' || cp == '\r' ? ' ' : cp));
        } else if (cp < 0x800) {
            if (room(2)) {
                bytes[length++] = (byte) (0xc0 | (cp >> 6));
                bytes[length++] = (byte) (0x80 | (cp & 0x3f));
            }
        } else if (cp < 0x10000) {
            if (room(3)) {
                bytes[length++] = (byte) (0xe0 | (cp >> 12));
                bytes[length++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                bytes[length++] = (byte) (0x80 | (cp & 0x3f));
            }
        } else if (room(4)) {
            bytes[length++] = (byte) (0xf0 | (cp >> 18));
            bytes[length++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
            bytes[length++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
            bytes[length++] = (byte) (0x80 | (cp & 0x3f));
        }
    }

    private void put(byte b) {
        if (room(1)) {
            bytes[length++] = b;
        }
    }

    /** Whether {@code n} more bytes fit under the limit, growing the buffer if needed; else drops the message. */
    private boolean room(int n) {
        if (length + n > maxBytes) {
            over = true;
            length = 0;
            bytes = new byte[INITIAL];
            return false;
        }
        if (length + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, (int) Math.min(maxBytes, Math.max(length + n, 2L * bytes.length)));
        }
        return true;
    }
}
