package dev.codexbridge.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the host keeps across its own restarts, as a host would in its database: each session
 * slot's thread id and the turn it has under way (its key, kind, and codex's turn id once known).
 * Rewritten whole, through a temporary file and an atomic rename, on every change, so a kill at any
 * moment leaves the last state written.
 */
final class ChaosState {
    /** A turn the host started and has not seen end. */
    record Pending(String key, String kind, String turnId) {
    }

    /** One session slot: its thread and its pending turn, if any. */
    record Slot(String threadId, Pending pending) {
    }

    private final Path file;
    private final Map<Integer, Slot> slots = new TreeMap<>();

    private ChaosState(Path file) {
        this.file = file;
    }

    static ChaosState load(Path file) {
        ChaosState s = new ChaosState(file);
        if (Files.exists(file)) {
            try {
                JsonNode root = Json.mapper().readTree(Files.readString(file, StandardCharsets.UTF_8));
                root.fields().forEachRemaining(e -> {
                    JsonNode v = e.getValue();
                    JsonNode p = v.path("pending");
                    Pending pending = p.isObject()
                            ? new Pending(p.path("key").asText(), p.path("kind").asText(), text(p.path("turnId"))) : null;
                    s.slots.put(Integer.parseInt(e.getKey()), new Slot(text(v.path("threadId")), pending));
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the host state " + file, e);
            }
        }
        return s;
    }

    private static String text(JsonNode n) {
        return n.isTextual() ? n.asText() : null;
    }

    synchronized Slot slot(int slot) {
        return slots.getOrDefault(slot, new Slot(null, null));
    }

    synchronized Map<Integer, Slot> all() {
        return Map.copyOf(slots);
    }

    synchronized void thread(int slot, String threadId) {
        slots.put(slot, new Slot(threadId, slot(slot).pending()));
        save();
    }

    synchronized void pending(int slot, Pending pending) {
        slots.put(slot, new Slot(slot(slot).threadId(), pending));
        save();
    }

    private void save() {
        ObjectNode root = Json.object();
        slots.forEach((i, s) -> {
            ObjectNode v = root.putObject(String.valueOf(i));
            v.put("threadId", s.threadId());
            if (s.pending() != null) {
                v.putObject("pending").put("key", s.pending().key()).put("kind", s.pending().kind()).put("turnId", s.pending().turnId());
            }
        });
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, Json.write(root), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the host state " + file, e);
        }
    }
}
