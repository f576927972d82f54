package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;

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

    /** Notes {@code responseId} as the newest response on {@code threadId}, stored or not. */
    void newest(String threadId, String responseId);

    /** {@code principal}'s response {@code id}; empty for another principal's exactly as for one never kept. */
    Optional<Entry> get(String principal, String id);

    /** Forgets {@code principal}'s response {@code id}; whether there was one. */
    boolean delete(String principal, String id);

    /** The newest response on {@code threadId}, if the door knows one. */
    Optional<String> newestOn(String threadId);

    /** Kept in this process only, the least recently used forgotten beyond {@code max} responses. */
    static ResponseRecords inMemory(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("keep at least one response, not " + max);
        }
        return new ResponseRecords() {
            private final Map<String, Entry> entries = Bounded.lru(max);
            private final Map<String, String> newestByThread = Bounded.lru(max);

            @Override
            public synchronized void put(Entry entry) {
                entries.put(entry.id(), entry);
            }

            @Override
            public synchronized void newest(String threadId, String responseId) {
                newestByThread.put(threadId, responseId);
            }

            @Override
            public synchronized Optional<Entry> get(String principal, String id) {
                return Optional.ofNullable(entries.get(id)).filter(e -> e.principal().equals(principal));
            }

            @Override
            public synchronized boolean delete(String principal, String id) {
                return get(principal, id).map(e -> entries.remove(id) != null).orElse(false);
            }

            @Override
            public synchronized Optional<String> newestOn(String threadId) {
                return Optional.ofNullable(newestByThread.get(threadId));
            }
        };
    }
}
