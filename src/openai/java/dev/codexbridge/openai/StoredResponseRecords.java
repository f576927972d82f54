package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.DoorRecords;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The door's responses as door records in the conversation store (decision 0126), so that every
 * replica sharing it answers {@code GET}, {@code input_items}, {@code DELETE} and
 * {@code previous_response_id} for a response another one answered, and a restart forgets none.
 * A response is the in-memory record's deflated JSON ({@link ResponseRecords.Kept}) behind a short
 * header naming its principal, thread and turn; a thread's newest response is a record of its own,
 * read from the store each time (another replica may have gone on since).
 *
 * <p>A store that does not take a write costs only the other replicas' view: the response is kept
 * in this process ({@code unkept}, bounded) and answered from there, and the answer goes out. A
 * store that does not answer a read is 503, "send again".
 */
final class StoredResponseRecords implements ResponseRecords {
    private static final Logger LOG = LoggerFactory.getLogger(StoredResponseRecords.class);
    static final String RESPONSE = "openai.response";
    static final String NEWEST = "openai.response-newest";

    private final DoorRecords records;
    /** What the store did not take, in this process until it goes (at most {@code max}, least recently used first). */
    private final ResponseRecords unkept;

    StoredResponseRecords(DoorRecords records, int max) {
        this.records = records;
        this.unkept = ResponseRecords.inMemory(max);
    }

    @Override
    public void put(Entry entry) {
        Kept k = Kept.of(entry);
        ObjectNode header = Json.object().put("principal", k.principal()).put("thread", k.threadId()).put("turn", k.turnId());
        byte[] head = Json.write(header).getBytes(StandardCharsets.UTF_8);
        byte[] value = ByteBuffer.allocate(4 + head.length + k.json().length).putInt(head.length).put(head).put(k.json()).array();
        try {
            records.put(RESPONSE, entry.id(), value);
        } catch (ConversationStoreException | IllegalArgumentException e) {
            LOG.warn("response {} is kept in this process only ({}): another replica answers it 404", entry.id(), e.getMessage());
            unkept.put(entry);
        }
    }

    @Override
    public void newest(String threadId, String responseId) {
        unkept.newest(threadId, responseId);
        try {
            records.put(NEWEST, threadId, responseId.getBytes(StandardCharsets.UTF_8));
        } catch (ConversationStoreException e) {
            LOG.warn("response {} is the newest of thread {} in this process only ({})", responseId, threadId, e.getMessage());
        }
    }

    @Override
    public Optional<Entry> get(String principal, String id) {
        Optional<Entry> here = unkept.get(principal, id);
        if (here.isPresent()) {
            return here;
        }
        return read(() -> records.get(RESPONSE, id)).map(v -> decode(id, v)).filter(e -> e.principal().equals(principal));
    }

    @Override
    public boolean delete(String principal, String id) {
        boolean here = unkept.delete(principal, id);
        if (get(principal, id).isEmpty()) {
            return here;
        }
        return read(() -> records.delete(RESPONSE, id)) || here;
    }

    @Override
    public Optional<String> newestOn(String threadId) {
        Optional<byte[]> stored = read(() -> records.get(NEWEST, threadId));
        return stored.isPresent() ? stored.map(v -> new String(v, StandardCharsets.UTF_8)) : unkept.newestOn(threadId);
    }

    /** The response kept as {@code value}; null, said once, for one that cannot be read (it answers as unknown). */
    private static Entry decode(String id, byte[] value) {
        try {
            int headLength = ByteBuffer.wrap(value).getInt();
            JsonNode header = Json.parse(new String(value, 4, headLength, StandardCharsets.UTF_8));
            byte[] json = java.util.Arrays.copyOfRange(value, 4 + headLength, value.length);
            return new Kept(header.path("principal").asText(), header.path("thread").asText(), header.path("turn").asText(), json).entry(id);
        } catch (RuntimeException e) {
            LOG.warn("response {} in the store cannot be read and answers as unknown: {}", id, e.toString());
            return null;
        }
    }

    private static <T> T read(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (ConversationStoreException e) {
            throw OpenAiError.unavailable("store_unavailable", "the conversation store did not answer; nothing was run: send this again", 2);
        }
    }
}
