package dev.codexbridge.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.codexbridge.json.Json;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.Flushable;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * JSON on standard output, written as it is serialized and safe for a terminal: the same
 * characters as {@link ApiText#json} of the compact JSON, without building that text first (a
 * turn's result can hold tens of MiB of transcript).
 */
final class TerminalJson {
    /** Escapes DEL, C1 and the Unicode separators and bidi controls; C0 is escaped by JSON itself. */
    private static final CharacterEscapes ESCAPES = new TerminalEscapes();
    /** Flushed when a buffer fills or the text ends, not per value: stdout writes through at once. */
    private static final ObjectWriter CHAR_WRITER = Json.mapper().writer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
    private static final ObjectWriter UTF8_WRITER = CHAR_WRITER.with(ESCAPES).with(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8);
    /**
     * Whether stdout encodes as UTF-8: a PrintStream cannot say (before Java 18), but the JVM
     * builds System.out with {@code sun.stdout.encoding} when set, else the default charset.
     */
    private static final boolean UTF8_OUT = StandardCharsets.UTF_8.name().equals(Charset.forName(
            System.getProperty("sun.stdout.encoding", Charset.defaultCharset().name())).name());

    private TerminalJson() {
    }

    /** A JSON text written piece by piece; {@link Output#close()} flushes it (and leaves {@code out} open). */
    static Output open(PrintStream out) {
        return open(out, UTF8_OUT);
    }

    /** With {@code utf8}: bytes straight to {@code out}, which must encode UTF-8; else through its characters. */
    static Output open(PrintStream out, boolean utf8) {
        try {
            if (utf8) {
                // UTF-8 bytes straight from the strings: no characters copied, nothing encoded twice;
                // handed on 64 KiB at a time, as System.out would write each of the generator's 8 KB
                // buffers with a system call of its own (a turn's transcript can be tens of MiB)
                BufferedOutputStream bytes = new BufferedOutputStream(out, 1 << 16);
                return new Output(UTF8_WRITER, new LongStringsAsChars(UTF8_WRITER.createGenerator(bytes, JsonEncoding.UTF8)), bytes);
            }
            // through the PrintStream's characters, so its charset applies as it does to println
            Writer chars = new BufferedWriter(new Writer() {
                @Override
                public void write(char[] cbuf, int off, int len) {
                    out.append(CharBuffer.wrap(cbuf, off, len));
                }

                @Override
                public void flush() {
                    out.flush();
                }

                @Override
                public void close() {
                    flush();
                }
            }, 1 << 16);
            Writer safe = new ControlEscapes(chars);
            return new Output(CHAR_WRITER, CHAR_WRITER.createGenerator(safe), safe);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One JSON text being written. Not thread-safe: one writer at a time, handed over with care. */
    static final class Output implements AutoCloseable {
        private final ObjectWriter writer;
        final JsonGenerator generator;
        private final Flushable sink;

        private Output(ObjectWriter writer, JsonGenerator generator, Flushable sink) {
            this.writer = writer;
            this.generator = generator;
            this.sink = sink;
        }

        /** Writes {@code value} where the generator stands (a field's value, an array element, the whole text). */
        void value(Object value) {
            try {
                writer.writeValue(generator, value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                generator.close();
                sink.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Writes a long string through Jackson's {@code char[]} path: the generator reads a
     * {@code String} one {@code charAt} at a time, which costs a bounds check and a Latin-1 test
     * per character without the optimizing compiler the launcher leaves out; one bulk copy into a
     * reused array is cheaper (a transcript is mostly long strings).
     */
    private static final class LongStringsAsChars extends JsonGeneratorDelegate {
        private static final int LONG = 64;
        private char[] chars = new char[1024];

        LongStringsAsChars(JsonGenerator generator) {
            super(generator, false);
        }

        @Override
        public void writeString(String text) throws IOException {
            int n = text == null ? 0 : text.length();
            if (n < LONG) {
                delegate.writeString(text);
                return;
            }
            if (chars.length < n) {
                chars = new char[Math.max(n, chars.length * 2)];
            }
            text.getChars(0, n, chars, 0);
            delegate.writeString(chars, 0, n);
            if (chars.length > 1 << 20) {
                chars = new char[1024];   // a huge string once does not keep its buffer
            }
        }
    }

    private static final class TerminalEscapes extends CharacterEscapes {
        private final int[] ascii;

        TerminalEscapes() {
            ascii = CharacterEscapes.standardAsciiEscapesForJSON();
            ascii[0x7f] = CharacterEscapes.ESCAPE_CUSTOM;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return ch <= 0xffff && ApiText.isControl((char) ch) ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }

    /**
     * The escapes of {@link ApiText#json} as a filter on JSON text going by: the control characters
     * JSON lets stand raw become {@code \}{@code uXXXX} escapes. Jackson writes no raw C0 character,
     * so only DEL and above need looking at, and all of those are inside strings, where an escape
     * reads as the same text. Strings reach {@link #write(char[], int, int)} through
     * {@link Writer}'s own copy (this path serves only a stdout that is not UTF-8).
     */
    private static final class ControlEscapes extends Writer {
        private final Writer out;

        ControlEscapes(Writer out) {
            this.out = out;
        }

        @Override
        public void write(char[] c, int off, int len) throws IOException {
            int start = off;
            int end = off + len;
            for (int i = off; i < end; i++) {
                char ch = c[i];
                if (ch >= 0x7f && ApiText.isControl(ch)) {
                    out.write(c, start, i - start);
                    out.write(String.format("\\u%04x", (int) ch));
                    start = i + 1;
                }
            }
            out.write(c, start, end - start);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
