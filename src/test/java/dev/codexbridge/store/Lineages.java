package dev.codexbridge.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

/** Lineages for the store's tests: rollout paths as codex names them, JSONL content, sources that fail or stall. */
public final class Lineages {
    private Lineages() {
    }

    public static String newThreadId() {
        return UUID.randomUUID().toString();
    }

    /** The thread's own rollout. */
    public static String ownPath(String threadId) {
        return "2026/11/25/rollout-2026-11-25T03-05-19-" + threadId + ".jsonl";
    }

    /** The rollout a revert of the thread started. */
    public static String revertPath(String threadId, String rolloutId) {
        return "2026/11/25/rollout-2026-11-25T03-05-20-" + threadId + "_" + rolloutId + ".jsonl";
    }

    /** Roughly {@code bytes} of rollout lines, different for every seed. */
    public static byte[] jsonl(int bytes, long seed) {
        Random random = new Random(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes + 200);
        for (int line = 0; out.size() < bytes; line++) {
            String text = "{\"timestamp\":\"2026-11-25T03:05:19.%03dZ\",\"type\":\"response_item\",\"payload\":{\"type\":\"message\",\"n\":%d,\"text\":\"%s\"}}\n"
                    .formatted(line % 1000, line, Long.toHexString(random.nextLong()).repeat(1 + random.nextInt(8)));
            out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /** A conversation of three rollouts (the thread's own, a revert's, a fork source's) with every field set. */
    static StoredConversation full(String threadId, int bytesPerFile, long seed) {
        String source = newThreadId();
        List<RolloutFile> lineage = List.of(
                RolloutFile.of(ownPath(source), jsonl(bytesPerFile, seed)),
                RolloutFile.of(ownPath(threadId), jsonl(bytesPerFile, seed + 1)),
                RolloutFile.of(revertPath(threadId, newThreadId()), jsonl(bytesPerFile, seed + 2)));
        return StoredConversation.builder(threadId, lineage).owner(new ConversationOwner("alice", "acme")).name("a name ✓")
                .goal("finish the story").settings("{\"model\":\"gpt-test\",\"cwd\":\"/work\"}").lastCompletedTurnId(newThreadId()).build();
    }

    /** A one-file conversation with nothing else set. */
    static StoredConversation small(String threadId, long seed) {
        return StoredConversation.builder(threadId, List.of(RolloutFile.of(ownPath(threadId), jsonl(2_000, seed)))).build();
    }

    /** The thread's own rollout whose source throws after half its bytes: declared size and hash are those of {@code bytes}. */
    static RolloutFile failingHalfway(String threadId, byte[] bytes) {
        RolloutFile whole = RolloutFile.of(ownPath(threadId), bytes);
        return new RolloutFile(whole.relativePath(), whole.size(), whole.sha256(), () -> new HalfwayStream(bytes, null));
    }

    /** Like {@link #failingHalfway} but the source, halfway, counts {@code halfway} down and then blocks for good. */
    static RolloutFile stallingHalfway(String threadId, byte[] bytes, CountDownLatch halfway) {
        RolloutFile whole = RolloutFile.of(ownPath(threadId), bytes);
        return new RolloutFile(whole.relativePath(), whole.size(), whole.sha256(), () -> new HalfwayStream(bytes, halfway));
    }

    /** Hands out half of its bytes, then fails (or stalls, given a latch). */
    private static final class HalfwayStream extends InputStream {
        private final byte[] bytes;
        private final CountDownLatch halfway;
        private int position;

        HalfwayStream(byte[] bytes, CountDownLatch halfway) {
            this.bytes = bytes;
            this.halfway = halfway;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int half = bytes.length / 2;
            if (position >= half) {
                if (halfway == null) {
                    throw new IOException("the source failed halfway");
                }
                halfway.countDown();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IOException("interrupted");
            }
            int n = Math.min(len, half - position);
            System.arraycopy(bytes, position, b, off, n);
            position += n;
            return n;
        }
    }
}
