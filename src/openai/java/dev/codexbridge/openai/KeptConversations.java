package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.DoorRecords;
import dev.codexbridge.store.spi.DoorRecordChecks;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The Conversations API's conversations as door records (decision 0127): each one's principal,
 * metadata, the codex thread it runs on once its first response started one, and its responses and
 * added items in order (a response's items are its own record's). A change is read, made and
 * written back only over what was read ({@link DoorRecords#replace}): a change another replica made
 * meanwhile sends this one round again on top of it, so neither is lost (decision 0134).
 */
final class KeptConversations {
    static final String KIND = "openai.conversation";
    /** The most responses and added items one conversation holds. */
    static final int MAX_ENTRIES = 10_000;
    /** How often a change goes round again while other replicas change the same conversation. */
    static final int CHANGE_TRIES = 20;

    private final DoorRecords records;
    /** One lock per stripe of ids: a conversation's read, change and write are one step here. */
    private final Object[] locks = new Object[64];

    KeptConversations(DoorRecords records) {
        this.records = records;
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
    }

    /**
     * One conversation as kept.
     *
     * @param threadId the codex thread its responses run on; null before its first response
     * @param entries  what it holds, oldest first: {@code {"response": id}} for each response (whose
     *                 items are the response's own record), {@code {"item": {...}}} for each item
     *                 added; the items after the last response wait to be sent with the next one
     */
    record State(String id, String principal, long createdAt, ObjectNode metadata, @Nullable String threadId, ArrayNode entries) {
        ObjectNode object() {
            ObjectNode o = Json.object().put("id", id).put("object", "conversation").put("created_at", createdAt);
            o.set("metadata", metadata.deepCopy());
            return o;
        }

        /** The items added since the last response, oldest first. */
        ArrayNode pending() {
            ArrayNode pending = Json.nodes().arrayNode();
            for (int i = firstPending(); i < entries.size(); i++) {
                pending.add(entries.get(i).get("item"));
            }
            return pending;
        }

        private int firstPending() {
            int i = entries.size();
            while (i > 0 && entries.get(i - 1).has("item")) {
                i--;
            }
            return i;
        }

        State withMetadata(ObjectNode changed) {
            return new State(id, principal, createdAt, changed, threadId, entries);
        }

        /** {@code items} added at the end. */
        State withItems(ArrayNode items) {
            ArrayNode more = entries.deepCopy();
            items.forEach(i -> more.addObject().set("item", i));
            return new State(id, principal, createdAt, metadata, threadId, more);
        }

        /** Without the waiting item {@code itemId}; null when no waiting item has it. */
        @Nullable State withoutPending(String itemId) {
            for (int i = firstPending(); i < entries.size(); i++) {
                if (entries.get(i).get("item").path("id").asText().equals(itemId)) {
                    ArrayNode fewer = entries.deepCopy();
                    fewer.remove(i);
                    return new State(id, principal, createdAt, metadata, threadId, fewer);
                }
            }
            return null;
        }

        /**
         * The response {@code responseId} on {@code thread}, which gave codex the waiting items
         * {@code sent}: they are its input items now; items added while it ran wait after it.
         */
        State withResponse(String responseId, String thread, java.util.Set<String> sent) {
            int from = firstPending();
            ArrayNode next = Json.nodes().arrayNode();
            for (int i = 0; i < from; i++) {
                next.add(entries.get(i));
            }
            next.addObject().put("response", responseId);
            for (int i = from; i < entries.size(); i++) {
                if (!sent.contains(entries.get(i).get("item").path("id").asText())) {
                    next.add(entries.get(i));
                }
            }
            return new State(id, principal, createdAt, metadata, thread, next);
        }
    }

    /** {@code principal}'s conversation {@code id}; 404 for another principal's exactly as for one never kept. */
    State get(String principal, String id) {
        return find(principal, id).orElseThrow(() -> OpenAiError.notFound("Conversation", id, "conversation"));
    }

    Optional<State> find(String principal, String id) {
        return parse(principal, id, read(id));
    }

    private byte @Nullable [] read(String id) {
        try {
            return records.get(KIND, id).orElse(null);
        } catch (ConversationStoreException e) {
            throw unavailable();
        }
    }

    private static Optional<State> parse(String principal, String id, byte @Nullable [] value) {
        if (value == null) {
            return Optional.empty();
        }
        JsonNode n = Json.parse(new String(value, StandardCharsets.UTF_8));
        if (!n.path("principal").asText().equals(principal)) {
            return Optional.empty();
        }
        JsonNode thread = n.get("thread");
        return Optional.of(new State(id, principal, n.path("created_at").asLong(), (ObjectNode) n.path("metadata").deepCopy(),
                thread == null || thread.isNull() ? null : thread.asText(), (ArrayNode) n.path("entries").deepCopy()));
    }

    void put(State s) {
        byte[] value = encode(s);
        try {
            records.put(KIND, s.id(), value);
        } catch (ConversationStoreException e) {
            throw unavailable();
        }
    }

    private static byte[] encode(State s) {
        ObjectNode n = Json.object().put("principal", s.principal()).put("created_at", s.createdAt()).put("thread", s.threadId());
        n.set("metadata", s.metadata());
        if (s.entries().size() > MAX_ENTRIES) {
            throw OpenAiError.invalid("items", "conversation '" + s.id() + "' holds " + MAX_ENTRIES + " items and responses, the most "
                    + "this server keeps in one: start another conversation");
        }
        n.set("entries", s.entries());
        byte[] value = Json.write(n).getBytes(StandardCharsets.UTF_8);
        if (value.length > DoorRecordChecks.MAX_VALUE_BYTES) {
            throw OpenAiError.invalid("items", "conversation '" + s.id() + "' would hold more than " + (DoorRecordChecks.MAX_VALUE_BYTES >> 20)
                    + " MiB of items: start another conversation");
        }
        return value;
    }

    /**
     * Changes {@code principal}'s conversation {@code id} by {@code change} (which must only compute:
     * it may run again) and keeps what it returns, written only over what it was made from. The
     * lock keeps this process's own changes from going round; another replica's change in between
     * sends it round again, on top of that change.
     */
    State change(String principal, String id, UnaryOperator<State> change) {
        synchronized (locks[Math.floorMod(id.hashCode(), locks.length)]) {
            for (int tries = 1; ; tries++) {
                byte[] was = read(id);
                State changed = change.apply(parse(principal, id, was).orElseThrow(() -> OpenAiError.notFound("Conversation", id,
                        "conversation")));
                boolean kept;
                try {
                    kept = records.replace(KIND, id, was, encode(changed));
                } catch (ConversationStoreException e) {
                    throw unavailable();
                }
                if (kept) {
                    return changed;
                }
                if (tries == CHANGE_TRIES) {
                    throw new OpenAiError(409, "invalid_request_error", "conversation", "conversation_busy", "conversation '" + id
                            + "' was changed by other requests " + CHANGE_TRIES + " times while this change was made; nothing was changed: "
                            + "send this again", 1, true);
                }
            }
        }
    }

    boolean delete(String principal, String id) {
        synchronized (locks[Math.floorMod(id.hashCode(), locks.length)]) {
            if (find(principal, id).isEmpty()) {
                return false;
            }
            try {
                return records.delete(KIND, id);
            } catch (ConversationStoreException e) {
                throw unavailable();
            }
        }
    }

    private static OpenAiError unavailable() {
        return OpenAiError.unavailable("store_unavailable", "the conversation store did not answer; nothing was changed: send this again", 2);
    }
}
