package dev.codexbridge.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Marker;

/**
 * The CLI's JSON log lines (decision 0101): one object per line, UTF-8, written whole.
 *
 * <pre>{"timestamp":"2026-11-27T08:01:02.345Z","level":"WARN","logger":"dev.codexbridge.a2a.FileContextStore",
 * "thread":"main","message":"...","exception":{"class":"java.io.IOException","message":"...","stack":"java.io.IOException: ...\n\tat ..."}}</pre>
 *
 * {@code markers} (an array of names) appears when a line has any, {@code exception} when it has
 * a throwable ({@code message} null when the throwable has none; {@code stack} as
 * {@link Throwable#printStackTrace} writes it, causes included). Jackson writes the strings:
 * quotes, backslashes and every control character escaped, and here also DEL, the C1 controls
 * and U+2028/U+2029, so a line read in a terminal or by a JavaScript tool is one line and moves
 * no cursor.
 */
final class JsonLogLines {
    /** The logger name of lines written to {@code System.err} rather than logged (a command's notices). */
    static final String STDERR_LOGGER = "codex-bridge";
    /** A line written to {@code System.err} without a line end is a record of its own past this many bytes. */
    static final int MAX_PENDING_BYTES = 64 * 1024;

    private static final JsonFactory JSON = new JsonFactoryBuilder().characterEscapes(new Escapes()).build();
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern(CliLogging.TIMESTAMP);

    private static volatile @Nullable PrintStream target;

    private JsonLogLines() {
    }

    /** Where lines go from now on (the process's stderr as it was before it became {@link #recordsOf}). */
    static void writeTo(@Nullable PrintStream out) {
        target = out;
    }

    /** Writes one record, whole, to the target (else to {@code System.err}). */
    static void write(String level, String logger, @Nullable List<Marker> markers, String message, @Nullable Throwable thrown) {
        write(line(Instant.now(), level, logger, Thread.currentThread().getName(), markers, message, thrown));
    }

    private static void write(String line) {
        PrintStream out = target != null ? target : System.err;
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        synchronized (out) {
            out.write(bytes, 0, bytes.length);
            out.flush();
        }
    }

    /** One record and its line end. */
    static String line(Instant at, String level, String logger, String thread, @Nullable List<Marker> markers, String message,
            @Nullable Throwable thrown) {
        StringWriter text = new StringWriter(128 + message.length());
        try (JsonGenerator g = JSON.createGenerator(text)) {
            g.writeStartObject();
            g.writeStringField("timestamp", TIMESTAMP.format(at.atZone(ZoneId.systemDefault())));
            g.writeStringField("level", level);
            g.writeStringField("logger", logger);
            g.writeStringField("thread", thread);
            if (markers != null && !markers.isEmpty()) {
                g.writeArrayFieldStart("markers");
                for (Marker m : markers) {
                    g.writeString(m.getName());
                }
                g.writeEndArray();
            }
            g.writeStringField("message", message);
            if (thrown != null) {
                g.writeObjectFieldStart("exception");
                g.writeStringField("class", thrown.getClass().getName());
                g.writeStringField("message", thrown.getMessage());
                g.writeStringField("stack", stack(thrown));
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // a StringWriter does not fail
        }
        return text.append('\n').toString();
    }

    private static String stack(Throwable thrown) {
        StringWriter s = new StringWriter();
        try (PrintWriter w = new PrintWriter(s)) {
            thrown.printStackTrace(w);
        }
        return s.toString().stripTrailing();
    }

    /**
     * A stderr on which every line written is a record of the logger {@value #STDERR_LOGGER} at
     * INFO: a command's own notices (it listens, it stops, a refused option), a stack trace
     * printed for a bug, one record per line. Text without a line end (a streamed answer drained
     * as it comes) waits for its line end, for {@value #MAX_PENDING_BYTES} bytes, or for
     * {@link Records#endPendingLine}, which the process's end calls.
     */
    static Records recordsOf(PrintStream stderr) {
        writeTo(stderr);
        return new Records(new LinesToRecords());
    }

    /** The stderr {@link #recordsOf} makes. */
    static final class Records extends PrintStream {
        private final LinesToRecords lines;

        private Records(LinesToRecords lines) {
            super(lines, true, StandardCharsets.UTF_8);
            this.lines = lines;
        }

        /** Writes text still waiting for its line end as a record of its own; the stream stays open. */
        void endPendingLine() {
            synchronized (this) {
                flush();
                lines.emitPending();
            }
        }
    }

    /** Collects bytes up to a line end, then writes them as a record. */
    private static final class LinesToRecords extends OutputStream {
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                emit();
                return;
            }
            pending.write(b);
            if (pending.size() >= MAX_PENDING_BYTES) {
                emit();
            }
        }

        @Override
        public synchronized void write(byte[] bytes, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(bytes[i]);
            }
        }

        synchronized void emitPending() {
            if (pending.size() > 0) {
                emit();
            }
        }

        private void emit() {
            String text = pending.toString(StandardCharsets.UTF_8);
            pending.reset();
            if (text.endsWith("\r")) {
                text = text.substring(0, text.length() - 1);
            }
            JsonLogLines.write("INFO", STDERR_LOGGER, null, text, null);
        }
    }

    /** Jackson's standard escapes, and DEL, the C1 controls and the two Unicode line separators as six-character escapes. */
    private static final class Escapes extends CharacterEscapes {
        private static final int[] ASCII = standardAsciiEscapesForJSON();

        static {
            ASCII[0x7f] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ASCII;
        }

        @Override
        public @Nullable SerializableString getEscapeSequence(int ch) {
            if ((ch >= 0x80 && ch <= 0x9f) || ch == 0x2028 || ch == 0x2029) {
                return new SerializedString(String.format("\\u%04x", ch));
            }
            return null;
        }
    }
}
