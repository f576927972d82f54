package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.codexbridge.json.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.jspecify.annotations.Nullable;

/**
 * What the door keeps of the responses it answered: each response id's principal, codex thread and
 * turn, the response as answered and its input items, and which response is the newest of each
 * thread (the only one {@code previous_response_id} may continue). Behind this interface so that a
 * record every replica shares can take the in-memory one's place.
 */
interface ResponseRecords {
    /**
     * One response.
     *
     * @param response   the response object as answered (null when the caller asked {@code store: false})
     * @param inputItems the input items of the request, as {@code input_items} lists them
     */
    record Entry(String id, String principal, String threadId, String turnId, JsonNode response, JsonNode inputItems) {
    }

    /** Keeps {@code entry} (a response the caller let store). */
    void put(Entry entry);

    /**
     * Notes {@code responseId} as the newest response on {@code threadId}, stored or not;
     * {@code superseded}: the response it went on from, null when none or not known.
     */
    void newest(String threadId, String responseId, @Nullable String superseded);

    /** {@code principal}'s response {@code id}; empty for another principal's exactly as for one never kept. */
    Optional<Entry> get(String principal, String id);

    /** Forgets {@code principal}'s response {@code id}; whether there was one. */
    boolean delete(String principal, String id);

    /** The newest response on {@code threadId}, if the door knows one. */
    Optional<String> newestOn(String threadId);

    /**
     * Whether other replicas read these records (a store): a background response running here is
     * then written as it stands while it runs ({@link #running}), and may be asked to cancel.
     */
    default boolean shared() {
        return false;
    }

    /**
     * {@code entry}, a response running here (in the background, or in the foreground, decision
     * 0144), as it stands now: written for other replicas to read while {@code stillRunning} says
     * so, never after (nor over) the response's end.
     * A write the store does not take is let go: the next one, or the end, follows. Nothing in memory alone.
     */
    default void running(Entry entry, java.util.function.BooleanSupplier stillRunning) {
    }

    /** A response {@link #running} wrote was never made (nothing ran): its record goes, best effort. */
    default void forgetRunning(String id) {
    }

    /** Asks the replica running {@code principal}'s background response {@code id} to cancel it. Nothing in memory alone. */
    default void askCancel(String principal, String id) {
    }

    /** Whether another replica asked to cancel response {@code id}; the ask is taken (read once). */
    default boolean takeCancelAsk(String id) {
        return false;
    }

    /**
     * The door stops: what is held for a store that did not take it is tried once more, now, and
     * what still is not taken is said (it goes with this process). Nothing to do in memory alone.
     */
    default void close() {
    }

    /**
     * Kept in this process only, the least recently used forgotten beyond {@code max} responses.
     * A response and its input items are kept as their JSON, deflated ({@link Kept}: a short
     * answer's about 0.2 KiB), and read back when asked for: the trees Jackson parses them into
     * weigh ten times as much or more, and a door remembers many more responses than it is asked for.
     */
    static ResponseRecords inMemory(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("keep at least one response, not " + max);
        }
        return new ResponseRecords() {
            private final Map<String, Kept> entries = Bounded.lru(max);
            private final Map<String, String> newestByThread = Bounded.lru(max);

            @Override
            public synchronized void put(Entry entry) {
                entries.put(entry.id(), Kept.of(entry));
            }

            @Override
            public synchronized void newest(String threadId, String responseId, @Nullable String superseded) {
                newestByThread.put(threadId, responseId);
            }

            @Override
            public Optional<Entry> get(String principal, String id) {
                Kept k;
                synchronized (this) {
                    k = entries.get(id);
                }
                return k == null || !k.principal().equals(principal) ? Optional.empty() : Optional.of(k.entry(id));
            }

            @Override
            public synchronized boolean delete(String principal, String id) {
                Kept k = entries.get(id);
                return k != null && k.principal().equals(principal) && entries.remove(id) != null;
            }

            @Override
            public synchronized Optional<String> newestOn(String threadId) {
                return Optional.ofNullable(newestByThread.get(threadId));
            }
        };
    }

    /**
     * An entry as {@link #inMemory} keeps it: the response and its input items as one JSON array,
     * deflated with a preset dictionary of what every response repeats (its fields, an output
     * message's shape), which takes a short answer's record from about 560 to about 210 bytes. A
     * response of another shape only compresses less.
     */
    record Kept(String principal, String threadId, String turnId, byte[] json) {
        private static final byte[] DICTIONARY = ("{\"id\":\"resp_\",\"object\":\"response\",\"created_at\":,\"status\":\"completed\","
                + "\"error\":null,\"incomplete_details\":null,\"instructions\":null,\"max_output_tokens\":null,\"model\":\"codex\","
                + "\"output\":[{\"id\":\"msg_\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":"
                + "[{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[],\"logprobs\":[]}]}],\"parallel_tool_calls\":true,"
                + "\"previous_response_id\":null,\"reasoning\":{\"effort\":null,\"summary\":null},\"store\":true,\"temperature\":null,"
                + "\"text\":{\"format\":{\"type\":\"text\"}},\"tool_choice\":\"auto\",\"tools\":[],\"top_p\":null,"
                + "\"truncation\":\"disabled\",\"usage\":{\"input_tokens\":,\"input_tokens_details\":{\"cached_tokens\":0,"
                + "\"cache_write_tokens\":0},\"output_tokens\":,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":},"
                + "\"metadata\":{},\"background\":false,\"completed_at\":}[{\"id\":\"msg_\",\"type\":\"message\",\"role\":\"user\","
                + "\"status\":\"completed\",\"content\":[{\"type\":\"input_text\",\"text\":\"\"}]}]").getBytes(StandardCharsets.UTF_8);

        static Kept of(Entry e) {
            ArrayNode both = Json.nodes().arrayNode().add(e.response()).add(e.inputItems());
            Deflater deflater = new Deflater();
            try {
                deflater.setDictionary(DICTIONARY);
                deflater.setInput(Json.write(both).getBytes(StandardCharsets.UTF_8));
                deflater.finish();
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] buffer = new byte[4096];
                while (!deflater.finished()) {
                    out.write(buffer, 0, deflater.deflate(buffer));
                }
                return new Kept(e.principal(), e.threadId(), e.turnId(), out.toByteArray());
            } finally {
                deflater.end();
            }
        }

        Entry entry(String id) {
            Inflater inflater = new Inflater();
            try {
                inflater.setInput(json);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] buffer = new byte[4096];
                while (!inflater.finished()) {
                    int n = inflater.inflate(buffer);
                    if (n == 0 && inflater.needsDictionary()) {
                        inflater.setDictionary(DICTIONARY);
                    } else if (n == 0 && inflater.needsInput()) {
                        throw new IllegalStateException("a kept response ends early");
                    }
                    out.write(buffer, 0, n);
                }
                JsonNode both = Json.parse(out.toString(StandardCharsets.UTF_8));
                return new Entry(id, principal, threadId, turnId, both.get(0), both.get(1));
            } catch (DataFormatException e) {
                throw new IllegalStateException("a kept response could not be read back", e);
            } finally {
                inflater.end();
            }
        }
    }
}
