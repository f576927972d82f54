package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The A2A operations every binding and version share, on the internal model: each binding (JSON-RPC
 * 0.3 and 1.0, HTTP+JSON 1.0) reads its request into these calls and writes what they answer
 * through its {@link A2aVersion}.
 */
final class A2aOps {
    /** How long a cancel waits for codex to confirm the interrupt before answering. */
    private static final Duration CANCEL_WAIT = Duration.ofSeconds(10);
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 100;

    private final A2aAgent agent;

    /** A stream of one task's events from now on. */
    record Streamed(TaskStream events, A2aTask task) {
    }

    A2aOps(A2aAgent agent) {
        this.agent = agent;
    }

    /** A send: the task once it ended or waits for the caller ({@code blocking}), or at once. */
    ObjectNode send(String principal, ObjectNode message, boolean blocking, @Nullable Integer historyLength,
            @Nullable Consumer<A2aTask> beforeStart) throws InterruptedException {
        A2aAgent.Accepted a = agent.message(principal, params(message));
        before(a, beforeStart);
        a.go().run();
        if (blocking) {
            a.task().awaitPause(agent.limits().blockingWait());
            // what the caller is told, every replica answers from now on
            a.task().recorded();
        }
        return a.task().snapshot(historyLength);
    }

    /** {@code beforeStart} sees the task after it is accepted and before codex hears of it (a push config set with the send). */
    Streamed stream(String principal, ObjectNode message, @Nullable Consumer<A2aTask> beforeStart) {
        A2aAgent.Accepted a = agent.message(principal, params(message));
        before(a, beforeStart);
        TaskStream s;
        if (a.answer()) {
            // answered first: the stream then follows the task from working on
            a.go().run();
            s = a.task().subscribe();
        } else {
            // subscribed before the turn starts, so no event of it is missed
            s = a.task().subscribe();
            a.go().run();
        }
        return new Streamed(s, a.task());
    }

    private static void before(A2aAgent.Accepted a, @Nullable Consumer<A2aTask> beforeStart) {
        if (beforeStart == null || a.resent()) {
            // a message sent again: what came with it came with the first copy (decision 0117)
            return;
        }
        try {
            beforeStart.accept(a.task());
        } catch (RuntimeException e) {
            if (!a.answer()) {
                // accepted but never started: ended, so its context takes the next message
                a.task().finish(null, e);
            }
            throw e;
        }
    }

    ObjectNode get(String principal, @Nullable String id, @Nullable Integer historyLength) {
        return agent.task(principal, id).snapshot(historyLength);
    }

    /** A task's stream; a task that already ended has none (A2A 1.0 §3.1.6: {@code UnsupportedOperationError}; read it with a get). */
    Streamed subscribe(String principal, @Nullable String id) {
        A2aTask t = agent.task(principal, id);
        if (t.ended()) {
            throw new A2aError(A2aError.UNSUPPORTED, "task " + t.id + " is already " + t.state() + ": it has no more events to stream; get the task instead",
                    java.util.Map.of("taskId", t.id, "state", t.state()));
        }
        return new Streamed(t.subscribe(), t);
    }

    ObjectNode cancel(String principal, @Nullable String id) throws InterruptedException {
        A2aTask t = agent.task(principal, id);
        t.cancel();
        long end = System.nanoTime() + CANCEL_WAIT.toNanos();
        while (!t.ended() && System.nanoTime() < end) {
            t.awaitPause(Duration.ofNanos(end - System.nanoTime()));
            if (!t.ended()) {
                Thread.sleep(20);
            }
        }
        t.recorded();
        return t.snapshot(null);
    }

    /** What {@code ListTasks} filters and pages by. */
    record ListQuery(@Nullable String contextId, @Nullable String state, int pageSize, @Nullable String pageToken,
            @Nullable Integer historyLength, @Nullable Instant statusAfter, boolean includeArtifacts) {
        ListQuery {
            if (pageSize < 1 || pageSize > MAX_PAGE) {
                throw A2aError.invalidParams("pageSize must be 1.." + MAX_PAGE + ", not " + pageSize);
            }
        }
    }

    /**
     * One page of the caller's own tasks, newest first (tasks/list, 1.0's {@code ListTasks}): the
     * tasks, the token of the next page ("" on the last), the page size and how many match in all.
     * The token names the page's last task, so tasks started meanwhile neither shift nor repeat a page.
     */
    ObjectNode list(String principal, ListQuery q, A2aVersion version) {
        List<A2aTask> mine = agent.tasks(principal);
        List<ObjectNode> matching = new ArrayList<>();
        for (int i = mine.size() - 1; i >= 0; i--) {
            A2aTask t = mine.get(i);
            if (q.contextId() != null && !q.contextId().equals(t.contextId)) {
                continue;
            }
            ObjectNode snap = t.snapshot(q.historyLength());
            if (q.state() != null && !q.state().equals(snap.path("status").path("state").asText())) {
                continue;
            }
            if (q.statusAfter() != null && !Instant.parse(snap.path("status").path("timestamp").asText()).isAfter(q.statusAfter())) {
                continue;
            }
            if (!q.includeArtifacts()) {
                snap.remove("artifacts");
            }
            matching.add(snap);
        }
        int from = 0;
        if (q.pageToken() != null) {
            String after = decode(q.pageToken());
            from = -1;
            for (int i = 0; i < matching.size(); i++) {
                if (matching.get(i).path("id").asText().equals(after)) {
                    from = i + 1;
                }
            }
            if (from < 0) {
                throw A2aError.invalidParams("pageToken names no task of this listing (forgotten, or the filters changed)");
            }
        }
        int to = Math.min(matching.size(), from + q.pageSize());
        ObjectNode out = A2aWire.object();
        ArrayNode tasks = out.putArray("tasks");
        matching.subList(from, to).forEach(t -> tasks.add(version.task(t)));
        out.put("nextPageToken", to < matching.size() ? encode(matching.get(to - 1).path("id").asText()) : "");
        out.put("pageSize", q.pageSize());
        out.put("totalSize", matching.size());
        return out;
    }

    private static ObjectNode params(ObjectNode message) {
        ObjectNode p = A2aWire.object();
        p.set("message", message);
        return p;
    }

    private static String encode(String id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String token) {
        try {
            return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw A2aError.invalidParams("pageToken is not one this server gave");
        }
    }

    static @Nullable Integer historyLength(@Nullable JsonNode h) {
        if (h == null || h.isNull() || h.isMissingNode()) {
            return null;
        }
        if (h.isTextual() && h.asText().matches("\\d{1,9}")) {
            return Integer.parseInt(h.asText());
        }
        if (!h.canConvertToInt() || h.asInt() < 0) {
            throw A2aError.invalidParams("historyLength must be a non-negative integer");
        }
        return h.asInt();
    }
}
