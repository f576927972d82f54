package dev.codexbridge.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The run's record of what happened, one JSON object a line, appended and flushed line by line so
 * that a process killed with SIGKILL loses nothing it had written (the bytes are the kernel's by
 * then). Every object carries {@code ev} (its kind) and {@code t} (epoch milliseconds).
 */
final class ChaosLog implements AutoCloseable {
    private final OutputStream out;

    ChaosLog(Path file) {
        try {
            out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the chaos log " + file, e);
        }
    }

    /** A new event of kind {@code ev}, stamped now; fill it and {@link #write} it. */
    static ObjectNode event(String ev) {
        ObjectNode n = Json.object();
        n.put("ev", ev);
        n.put("t", System.currentTimeMillis());
        return n;
    }

    synchronized void write(ObjectNode event) {
        try {
            out.write((Json.write(event) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the chaos log", e);
        }
    }

    /** Every whole line of {@code file}; a line cut short by a kill is skipped. */
    static List<JsonNode> read(Path file) {
        List<JsonNode> events = new ArrayList<>();
        if (!Files.exists(file)) {
            return events;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    events.add(Json.mapper().readTree(line));
                } catch (IOException partial) {
                    // the writer was killed mid-line
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the chaos log " + file, e);
        }
        return events;
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // nothing more to write
        }
    }
}
