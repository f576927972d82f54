package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.store.ConversationStoreException;
import dev.codexbridge.store.DoorRecords;
import dev.codexbridge.store.spi.DoorRecordChecks;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How Chat Completions, whose callers re-send the whole history each time, keep one codex thread
 * per conversation (docs/openai.md, "Chat Completions"). After each answer the door keeps a digest
 * of the history it answered with its answer appended, naming the thread and marked as that
 * thread's newest point. A request whose messages begin with such a history — the longest one
 * that ends in an assistant message — goes on with that thread, and codex is sent only the
 * messages after it. A history never answered, or one that continues from an older point of a
 * thread (a chat front-end's "regenerate" or an edited message), goes to a new thread with the
 * earlier messages given as history once. Digests are SHA-256, chained message by message over
 * the principal, each message's role and its text and images; each principal's own. Kept as door
 * records ({@link DoorRecords}): with a store, every replica sharing it goes on alike.
 */
final class ChatHistories {
    private static final Logger LOG = LoggerFactory.getLogger(ChatHistories.class);
    /** The thread each answered history is on, by its digest. */
    static final String THREAD_OF = "openai.chat";
    /** Each thread's newest answered history, by the thread's id. */
    static final String NEWEST = "openai.chat-newest";

    /** In the door's memory, or in the conversation store every replica shares ({@link DoorRecords}). */
    private final DoorRecords records;

    ChatHistories(DoorRecords records) {
        this.records = records;
    }

    /** Where a request's history goes on: a thread and the index of the first message codex has not seen. */
    record Continuation(String threadId, int newFrom) {
    }

    /**
     * The thread {@code messages} continue at its newest point, if any: two reads of the records,
     * the threads of every prefix that ends in an answer, then those threads' newest points. A
     * store that does not answer is 503, "send again": a new thread would fork the conversation.
     */
    @Nullable Continuation find(String principal, List<Message> messages) {
        String[] digests = digests(principal, messages);
        List<String> answered = new ArrayList<>();
        for (int end = messages.size() - 1; end >= 1 && answered.size() < DoorRecordChecks.MAX_KEYS; end--) {
            if (messages.get(end - 1).role().equals("assistant")) {
                answered.add(digests[end]);
            }
        }
        if (answered.isEmpty()) {
            return null;
        }
        try {
            Map<String, byte[]> threads = records.getAll(THREAD_OF, answered);
            if (threads.isEmpty()) {
                return null;
            }
            Map<String, byte[]> newest = records.getAll(NEWEST, threads.values().stream().map(ChatHistories::text).distinct().toList());
            for (int end = messages.size() - 1; end >= 1; end--) {
                byte[] thread = threads.get(digests[end]);
                byte[] point = thread == null ? null : newest.get(text(thread));
                if (point != null && digests[end].equals(text(point))) {
                    return new Continuation(text(thread), end);
                }
            }
            return null;
        } catch (ConversationStoreException e) {
            throw OpenAiError.unavailable("store_unavailable", "the conversation store did not answer; nothing was run: send this again", 2);
        }
    }

    /**
     * {@code messages}, answered with {@code answer} on {@code threadId}, is that thread's newest
     * point. A store that does not answer loses only the point: the answer goes out, and the next
     * request re-sending this history goes to a new thread with it given as history.
     */
    void answered(String principal, List<Message> messages, String answer, String threadId) {
        List<Message> answeredWith = new ArrayList<>(messages);
        answeredWith.add(new Message("assistant", List.of(new Message.Part(answer, null))));
        String digest = digests(principal, answeredWith)[answeredWith.size()];
        try {
            records.put(THREAD_OF, digest, threadId.getBytes(StandardCharsets.UTF_8));
            records.put(NEWEST, threadId, digest.getBytes(StandardCharsets.UTF_8));
        } catch (ConversationStoreException e) {
            LOG.warn("the chat history answered on thread {} was not kept ({}): re-sent, it goes on in a new thread", threadId, e.getMessage());
        }
    }

    /**
     * {@code messages} ended in the caller's tool calls ({@code asked}, the assistant message as the
     * caller re-sends it): that is the thread's newest point until the turn answers, so that tool
     * messages coming after the turn stopped waiting continue the thread ({@link #followsItsCalls}).
     */
    void asked(String principal, List<Message> messages, JsonNode asked, String threadId) {
        answered(principal, messages, Message.ofChat(asked, "message").text(), threadId);
    }

    /**
     * Whether {@code messages} end with tool messages right after their history's newest point, the
     * assistant message that made the calls they answer: outputs of a turn that stopped waiting
     * (its wait ran out, its replica stopped), given to codex as new input (decision 0137).
     */
    boolean followsItsCalls(String principal, List<Message> messages) {
        int firstTool = messages.size();
        while (firstTool > 0 && messages.get(firstTool - 1).role().equals("tool")) {
            firstTool--;
        }
        Continuation at = firstTool == messages.size() ? null : find(principal, messages);
        if (at == null || at.newFrom() != firstTool) {
            return false;
        }
        List<String> calls = messages.get(firstTool - 1).parts().stream().map(Message.Part::text).filter(Objects::nonNull).toList();
        return messages.subList(firstTool, messages.size()).stream().allMatch(tool -> calls.stream()
                .anyMatch(call -> tool.text().startsWith(Message.toolOutput(Message.callIdOf(call), ""))));
    }

    private static String text(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }

    /** The digest of each prefix of {@code messages}: index i covers the first i messages. */
    private static String[] digests(String principal, List<Message> messages) {
        String[] out = new String[messages.size() + 1];
        byte[] chain = sha256(("principal\u0000" + principal).getBytes(StandardCharsets.UTF_8));
        out[0] = HexFormat.of().formatHex(chain);
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            StringBuilder s = new StringBuilder(m.role()).append('\u0000').append(m.text().strip());
            for (Message.Part p : m.parts()) {
                if (p.imageUrl() != null) {
                    s.append('\u0000').append(p.imageUrl());
                }
            }
            byte[] text = s.toString().getBytes(StandardCharsets.UTF_8);
            byte[] both = new byte[chain.length + text.length];
            System.arraycopy(chain, 0, both, 0, chain.length);
            System.arraycopy(text, 0, both, chain.length, text.length);
            chain = sha256(both);
            out[i + 1] = HexFormat.of().formatHex(chain);
        }
        return out;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
