package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Random;

/**
 * A generated codex turn as the bytes codex would write: about 80 % deltas (agent message and
 * command output), item started/completed pairs (commands with output from a few hundred bytes up
 * to 64 KiB, agent messages, reasoning, file changes), token usage updates, an approval request
 * every 25,000 messages, and {@code turn/completed} last. Thread {@code thread-1}, turn
 * {@code turn-1}: what {@link InlineCodex} hands out to a fresh session.
 */
final class TurnStream {
    final byte[] bytes;
    final int messages;

    private TurnStream(byte[] bytes, int messages) {
        this.bytes = bytes;
        this.messages = messages;
    }

    static TurnStream generate(int count, long seed) {
        return generate(count, seed, 1);
    }

    /**
     * The same mix with only one in {@code itemEvery} of the items kept (the others become agent
     * message deltas): {@code 1} is the dense turn above (an item per 6.6 messages, a tool call per
     * 13), {@code 10} a turn closer to a real one (a tool call per 200 messages or so; a real model
     * streams a delta per token between two tool calls).
     */
    static TurnStream generate(int count, long seed, int itemEvery) {
        Random rnd = new Random(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(count * 200);
        int n = 0;
        int item = 0;
        while (n < count - 1) {
            int kind = rnd.nextInt(100);
            if (kind >= 82 && itemEvery > 1 && rnd.nextInt(itemEvery) != 0) {
                kind = kind % 70;
            }
            if (kind < 70) {
                line(out, "item/agentMessage/delta", base().put("itemId", "msg-" + (item / 40)).put("delta", words(rnd, 1 + rnd.nextInt(4))));
                n++;
            } else if (kind < 80) {
                line(out, "item/commandExecution/outputDelta", base().put("itemId", "cmd-" + item).put("delta", words(rnd, 8)));
                n++;
            } else if (kind < 82) {
                ObjectNode p = base();
                ObjectNode usage = p.putObject("tokenUsage");
                usage.putObject("total").put("totalTokens", n).put("inputTokens", n / 2).put("cachedInputTokens", 0)
                        .put("outputTokens", n / 2).put("reasoningOutputTokens", 0);
                usage.putObject("last").put("totalTokens", 20).put("inputTokens", 10).put("cachedInputTokens", 0)
                        .put("outputTokens", 10).put("reasoningOutputTokens", 0);
                usage.put("modelContextWindow", 258400);
                line(out, "thread/tokenUsage/updated", p);
                n++;
            } else {
                String id = "item-" + (item++);
                ObjectNode started = base();
                ObjectNode completed = base();
                switch (kind % 4) {
                    case 0 -> {
                        int size = rnd.nextInt(100) == 0 ? 64 * 1024 : rnd.nextInt(10) == 0 ? 8 * 1024 : 300;
                        started.putObject("item").put("type", "commandExecution").put("id", id).put("command", "/bin/bash -c 'make test'")
                                .put("cwd", "/work").put("status", "inProgress").putNull("aggregatedOutput").putArray("commandActions");
                        completed.putObject("item").put("type", "commandExecution").put("id", id).put("command", "/bin/bash -c 'make test'")
                                .put("cwd", "/work").put("status", "completed").put("exitCode", 0).put("durationMs", 120)
                                .put("aggregatedOutput", "o".repeat(size)).putArray("commandActions");
                    }
                    case 1 -> {
                        started.putObject("item").put("type", "agentMessage").put("id", "msg-" + (item / 40)).put("text", "");
                        completed.putObject("item").put("type", "agentMessage").put("id", "msg-" + (item / 40)).put("text", words(rnd, 60));
                    }
                    case 2 -> {
                        started.putObject("item").put("type", "reasoning").put("id", id).putArray("summary");
                        completed.putObject("item").put("type", "reasoning").put("id", id).putArray("summary").add(words(rnd, 20));
                    }
                    default -> {
                        started.putObject("item").put("type", "fileChange").put("id", id).put("status", "inProgress").putArray("changes");
                        ObjectNode done = completed.putObject("item").put("type", "fileChange").put("id", id).put("status", "completed");
                        done.putArray("changes").addObject().put("path", "/work/src/A.java").put("diff", "@@ -1 +1 @@\n-a\n+b\n")
                                .putObject("kind").put("type", "update");
                    }
                }
                line(out, "item/started", started);
                line(out, "item/completed", completed);
                n += 2;
            }
            if (n % 25_000 < 2 && n > 2) {
                ObjectNode p = base().put("itemId", "approval-" + n).put("startedAtMs", 1).put("command", "ls").put("cwd", "/work");
                request(out, 100_000 + n, "item/commandExecution/requestApproval", p);
                n++;
            }
        }
        ObjectNode done = Json.object().put("threadId", "thread-1");
        done.putObject("turn").put("id", "turn-1").put("status", "completed").putNull("error");
        line(out, "turn/completed", done);
        n++;
        return new TurnStream(out.toByteArray(), n);
    }

    private static ObjectNode base() {
        return Json.object().put("threadId", "thread-1").put("turnId", "turn-1");
    }

    private static final String[] WORDS = {"the ", "projector ", "reads ", "codex ", "items ", "and ", "writes ", "messages "};

    private static String words(Random rnd, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(WORDS[rnd.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    private static void line(OutputStream out, String method, ObjectNode params) {
        ObjectNode m = Json.object().put("method", method);
        m.set("params", params);
        write(out, m);
    }

    private static void request(OutputStream out, int id, String method, ObjectNode params) {
        ObjectNode m = Json.object().put("method", method).put("id", id);
        m.set("params", params);
        write(out, m);
    }

    private static void write(OutputStream out, ObjectNode m) {
        try {
            out.write(Json.mapper().writeValueAsBytes(m));
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
