package dev.codexbridge.openai;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How Chat Completions, whose callers re-send the whole history each time, keep one codex thread
 * per conversation (docs/openai.md, "Chat Completions"). After each answer the door keeps a digest
 * of the history it answered with its answer appended, naming the thread and marked as that
 * thread's newest point. A request whose messages begin with such a history — the longest one
 * that ends in an assistant message — goes on with that thread, and codex is sent only the
 * messages after it. A history never answered, or one that continues from an older point of a
 * thread (a chat front-end's "regenerate" or an edited message), goes to a new thread with the
 * earlier messages given as history once. Digests are SHA-256, chained message by message over
 * the principal, each message's role and its text and images; each principal's own.
 */
final class ChatHistories {
    /** The thread each answered history is on, by its digest. */
    private final Map<String, String> threadOf;
    /** Each thread's newest answered history. */
    private final Map<String, String> newest;

    ChatHistories(int max) {
        this.threadOf = Bounded.lru(max);
        this.newest = Bounded.lru(max);
    }

    /** Where a request's history goes on: a thread and the index of the first message codex has not seen. */
    record Continuation(String threadId, int newFrom) {
    }

    /** The thread {@code messages} continue at its newest point, if any. */
    synchronized @Nullable Continuation find(String principal, List<Message> messages) {
        String[] digests = digests(principal, messages);
        for (int end = messages.size() - 1; end >= 1; end--) {
            if (!messages.get(end - 1).role().equals("assistant")) {
                continue;
            }
            String thread = threadOf.get(digests[end]);
            if (thread != null && digests[end].equals(newest.get(thread))) {
                return new Continuation(thread, end);
            }
        }
        return null;
    }

    /** {@code messages}, answered with {@code answer} on {@code threadId}, is that thread's newest point. */
    synchronized void answered(String principal, List<Message> messages, String answer, String threadId) {
        List<Message> answered = new java.util.ArrayList<>(messages);
        answered.add(new Message("assistant", List.of(new Message.Part(answer, null))));
        String digest = digests(principal, answered)[answered.size()];
        threadOf.put(digest, threadId);
        newest.put(threadId, digest);
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
