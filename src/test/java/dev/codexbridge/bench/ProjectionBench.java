package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.NotificationMethod;
import dev.codexbridge.protocol.ServerNotification;
import dev.codexbridge.protocol.ServerNotifications;
import dev.codexbridge.transcript.ItemProjector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntSupplier;

/**
 * Projection throughput of a large turn: notifications (about 80 % agent-message deltas; command,
 * file-change, MCP and dynamic tool items with outputs up to 64 KiB; reasoning and messages) fed
 * through {@link ItemProjector}, median of several runs: first from parsed JSON (the projector
 * decodes), then from params already decoded into the protocol types (as the session feeds it, the
 * client having decoded them). Run with {@code bin/bench projection}.
 */
public final class ProjectionBench {
    private ProjectionBench() {
    }

    public static void main(String[] args) {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        List<String[]> turn = generate(count, new Random(42));
        List<JsonNode> params = new ArrayList<>(turn.size());
        for (String[] n : turn) {
            params.add(Json.parse(n[1]));
        }
        List<ServerNotification> typed = new ArrayList<>(turn.size());
        for (int i = 0; i < turn.size(); i++) {
            NotificationMethod<?> method = ServerNotifications.BY_METHOD.get(turn.get(i)[0]);
            typed.add((ServerNotification) Json.convert(params.get(i), method.paramsType()));
        }
        measure("projection", turn.size(), runs, () -> projectAll(turn, params));
        measure("projection of decoded params", turn.size(), runs, () -> projectAll(typed));
    }

    private static void measure(String label, int notifications, int runs, IntSupplier projectAll) {
        double[] rates = new double[runs];
        int messages = 0;
        for (int warm = 0; warm < 3; warm++) {
            messages = projectAll.getAsInt();
        }
        for (int r = 0; r < runs; r++) {
            long start = System.nanoTime();
            messages = projectAll.getAsInt();
            rates[r] = notifications / ((System.nanoTime() - start) / 1e9);
        }
        Arrays.sort(rates);
        System.out.printf("%s: %d notifications -> %d messages; median %.0f notifications/s (min %.0f, max %.0f, %d runs)%n",
                label, notifications, messages, rates[runs / 2], rates[0], rates[runs - 1], runs);
    }

    private static int projectAll(List<String[]> turn, List<JsonNode> params) {
        ItemProjector p = new ItemProjector();
        for (int i = 0; i < turn.size(); i++) {
            p.onNotification(turn.get(i)[0], params.get(i));
        }
        p.finish();
        return p.messages().size();
    }

    private static int projectAll(List<ServerNotification> notifications) {
        ItemProjector p = new ItemProjector();
        for (ServerNotification n : notifications) {
            p.onNotification(n);
        }
        p.finish();
        return p.messages().size();
    }

    /** A realistic turn: [method, params JSON] pairs. */
    static List<String[]> generate(int count, Random rnd) {
        List<String[]> out = new ArrayList<>(count);
        int item = 0;
        while (out.size() < count) {
            int kind = rnd.nextInt(100);
            String id = "item-" + (item++);
            if (kind < 80) {
                out.add(new String[] {"item/agentMessage/delta",
                        Json.write(Json.object().put("threadId", "t").put("turnId", "u").put("itemId", "msg-" + (item / 50)).put("delta", "word "))});
                continue;
            }
            ObjectNode it = Json.object();
            switch (kind % 5) {
                case 0 -> it.put("type", "commandExecution").put("id", id).put("command", "/bin/bash -c 'make test'")
                        .put("cwd", "/work").put("status", "completed").put("exitCode", rnd.nextInt(3))
                        .put("aggregatedOutput", "x".repeat(rnd.nextInt(4) == 0 ? 64 * 1024 : 200));
                case 1 -> {
                    it.put("type", "fileChange").put("id", id).put("status", "completed");
                    it.putArray("changes").addObject().put("path", "/work/src/A.java").putObject("kind").put("type", "update");
                }
                case 2 -> {
                    it.put("type", "mcpToolCall").put("id", id).put("server", "docs").put("tool", "search").put("status", "completed");
                    it.putObject("arguments").put("query", "projector").put("limit", 5);
                    it.putObject("result").putArray("content").addObject().put("type", "text").put("text", "result ".repeat(40));
                }
                case 3 -> it.put("type", "reasoning").put("id", id).putArray("summary").add("thinking about it");
                default -> it.put("type", "agentMessage").put("id", "msg-" + (item / 50)).put("text", "word ".repeat(50));
            }
            ObjectNode started = Json.object().put("threadId", "t").put("turnId", "u");
            started.set("item", it);
            out.add(new String[] {"item/started", Json.write(started)});
            out.add(new String[] {"item/completed", Json.write(started)});
        }
        return out;
    }
}
