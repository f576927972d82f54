package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The yardstick of {@code bin/bench crash}: the same crash and the same reopening with no library.
 * It starts codex with {@link ProcessBuilder}, opens {@code n} threads (in waves of 50), starts a
 * turn on each, kills codex {@code killAfterMs} later, starts a second codex and reopens every
 * thread with {@code concurrency} requests in flight: {@code thread/resume}, then
 * {@code thread/start} for a thread codex never wrote, the request again after "overloaded".
 * No timeouts, no interrupt of the lost turn, no inboxes: what codex itself takes.
 */
final class RawReopen {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RawReopen() {
    }

    /** Runs the yardstick and returns its one-line summary. */
    static String run(Path binary, Path home, Path work, int n, long killAfterMs, int concurrency) throws Exception {
        List<String> threads = new ArrayList<>();
        try (Codex first = new Codex(binary, home, work)) {
            for (int from = 0; from < n; from += 50) {
                List<Long> ids = new ArrayList<>();
                for (int i = from; i < Math.min(n, from + 50); i++) {
                    ids.add(first.send("thread/start", JSON.createObjectNode().put("cwd", work.toString())));
                }
                for (long id : ids) {
                    threads.add(first.await(id).path("result").path("thread").path("id").asText());
                }
            }
            for (String t : threads) {
                ObjectNode p = JSON.createObjectNode().put("threadId", t);
                p.putArray("input").addObject().put("type", "text").put("text", "bench: sleep 60");
                first.send("turn/start", p);
            }
            Thread.sleep(killAfterMs);
            first.process.destroyForcibly().waitFor();
        }
        try (Codex second = new Codex(binary, home, work)) {
            long t0 = System.nanoTime();
            Deque<String> todo = new ArrayDeque<>(threads);
            Map<Long, String[]> inFlight = new HashMap<>();
            int resumed = 0;
            int replaced = 0;
            int overloaded = 0;
            int failed = 0;
            while (!todo.isEmpty() || !inFlight.isEmpty()) {
                while (!todo.isEmpty() && inFlight.size() < concurrency) {
                    String t = todo.poll();
                    inFlight.put(second.send("thread/resume", JSON.createObjectNode().put("threadId", t).put("excludeTurns", true)),
                            new String[] {"resume", t});
                }
                long id = second.answered.take();
                String[] request = inFlight.remove(id);
                JsonNode answer = second.answers.remove(id);
                String error = answer.path("error").path("message").asText("");
                if (!answer.has("error")) {
                    if (request[0].equals("start")) {
                        replaced++;
                    } else {
                        resumed++;
                    }
                } else if (answer.path("error").path("code").asInt() == -32001) {
                    overloaded++;
                    todo.add(request[1]);
                } else if (request[0].equals("resume") && (error.contains("no rollout found") || error.contains(" is empty"))) {
                    inFlight.put(second.send("thread/start", JSON.createObjectNode().put("cwd", work.toString())),
                            new String[] {"start", request[1]});
                } else {
                    failed++;
                }
            }
            return String.format("%d threads reopened by codex alone in %.0f ms after its handshake (%d resumed, %d replaced, "
                    + "%d overloaded answers, %d failed; %d requests at a time)", n, (System.nanoTime() - t0) / 1e6, resumed, replaced,
                    overloaded, failed, concurrency);
        }
    }

    /**
     * The yardstick of {@code bin/bench idle}'s wake storm ({@code IDLE_AT_ONCE}): {@code threads}, asleep, resumed on a
     * codex of their own over the same home with {@code concurrency} requests in flight, each again after "overloaded";
     * what codex itself resumes per second here. No turn, no inbox, no timeout.
     */
    static String resumeRate(Path binary, Path home, Path work, List<String> threads, int concurrency) throws Exception {
        try (Codex codex = new Codex(binary, home, work)) {
            long t0 = System.nanoTime();
            Deque<String> todo = new ArrayDeque<>(threads);
            Map<Long, String> inFlight = new HashMap<>();
            int resumed = 0;
            int overloaded = 0;
            int failed = 0;
            while (!todo.isEmpty() || !inFlight.isEmpty()) {
                while (!todo.isEmpty() && inFlight.size() < concurrency) {
                    String t = todo.poll();
                    inFlight.put(codex.send("thread/resume", JSON.createObjectNode().put("threadId", t).put("excludeTurns", true)), t);
                }
                Long id = codex.answered.poll(2, TimeUnit.MINUTES);
                if (id == null) {
                    failed += inFlight.size() + todo.size();       // codex stopped answering: what is left counts as failed
                    break;
                }
                String t = inFlight.remove(id);
                JsonNode answer = codex.answers.remove(id);
                if (t == null || answer == null) {
                    continue;
                }
                if (!answer.has("error")) {
                    resumed++;
                } else if (answer.path("error").path("code").asInt() == -32001) {
                    overloaded++;
                    todo.add(t);
                } else {
                    failed++;
                }
            }
            double s = (System.nanoTime() - t0) / 1e9;
            return String.format("bare driver: %d sleeping threads resumed by codex alone in %.1f s, %.1f resumes/s (%d overloaded "
                    + "answers, %d failed; %d requests at a time)", resumed, s, resumed / s, overloaded, failed, concurrency);
        }
    }

    /**
     * The yardstick of the same work as the library's wake storm: {@code threads}, asleep, each resumed and given one quick
     * turn on a codex of their own over the same home, {@code concurrency} of them between their resume and their turn's
     * end at any time, a resume again after "overloaded"; completed wakes per second. No timeout, no inbox, no projection.
     */
    static String wakeRate(Path binary, Path home, Path work, List<String> threads, int concurrency) throws Exception {
        try (Codex codex = new Codex(binary, home, work)) {
            long t0 = System.nanoTime();
            Deque<String> todo = new ArrayDeque<>(threads);
            Map<Long, String> resuming = new HashMap<>();
            Map<Long, String> starting = new HashMap<>();
            java.util.Set<String> running = new java.util.HashSet<>();
            int woken = 0;
            int overloaded = 0;
            int failed = 0;
            while (!todo.isEmpty() || resuming.size() + starting.size() + running.size() > 0) {
                while (!todo.isEmpty() && resuming.size() + starting.size() + running.size() < concurrency) {
                    String t = todo.poll();
                    resuming.put(codex.send("thread/resume", JSON.createObjectNode().put("threadId", t).put("excludeTurns", true)), t);
                }
                Object event = codex.events.poll(2, TimeUnit.MINUTES);
                if (event == null) {
                    failed += resuming.size() + starting.size() + running.size() + todo.size();     // codex stopped: the rest failed
                    break;
                }
                if (event instanceof String[] ended) {
                    if (running.remove(ended[0])) {
                        if (ended[1].equals("completed")) {
                            woken++;
                        } else {
                            failed++;
                        }
                    }
                    continue;
                }
                long id = (Long) event;
                JsonNode answer = codex.answers.remove(id);
                String resumed = resuming.remove(id);
                String started = starting.remove(id);
                if (answer == null || (resumed == null && started == null)) {
                    continue;
                }
                if (answer.has("error")) {
                    if (resumed != null && answer.path("error").path("code").asInt() == -32001) {
                        overloaded++;
                        todo.add(resumed);
                    } else {
                        failed++;
                        if (started != null) {
                            running.remove(started);
                        }
                    }
                } else if (resumed != null) {
                    ObjectNode p = JSON.createObjectNode().put("threadId", resumed);
                    p.putArray("input").addObject().put("type", "text").put("text", "bench: quick");
                    running.add(resumed);       // before the answer: turn/completed may come first
                    starting.put(codex.send("turn/start", p), resumed);
                }
            }
            double s = (System.nanoTime() - t0) / 1e9;
            return String.format("bare driver: %d sleeping threads resumed and given a quick turn each by codex alone in %.1f s, "
                    + "%.1f completed wakes/s (%d overloaded answers, %d failed; %d wakes at a time)", woken, s, woken / s, overloaded,
                    failed, concurrency);
        }
    }

    /** One codex process, handshake done; answers are kept by id and their ids queued as they come. */
    private static final class Codex implements AutoCloseable {
        final Process process;
        final OutputStream out;
        final Map<Long, JsonNode> answers = new ConcurrentHashMap<>();
        final BlockingQueue<Long> answered = new LinkedBlockingQueue<>();
        /** Answered ids and each turn/completed as its thread id and status, in the order read (for {@link #wakeRate}). */
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        final AtomicLong ids = new AtomicLong();

        Codex(Path binary, Path home, Path work) throws Exception {
            ProcessBuilder pb = new ProcessBuilder(binary.toString(), "app-server").directory(work.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("CODEX_HOME", home.toString());
            process = pb.start();
            out = process.getOutputStream();
            Thread reader = new Thread(this::read, "raw-reopen-reader");
            reader.setDaemon(true);
            reader.start();
            ObjectNode init = JSON.createObjectNode();
            init.putObject("clientInfo").put("name", "raw").put("version", "1");
            await(send("initialize", init));
            write("{\"method\":\"initialized\"}");
        }

        long send(String method, ObjectNode params) {
            long id = ids.incrementAndGet();
            ObjectNode m = JSON.createObjectNode().put("id", id).put("method", method);
            m.set("params", params);
            write(m.toString());
            return id;
        }

        JsonNode await(long id) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (System.nanoTime() < deadline) {
                JsonNode answer = answers.remove(id);
                if (answer != null) {
                    return answer;
                }
                answered.poll(100, TimeUnit.MILLISECONDS);     // only a wake-up here: the map holds the answers
            }
            throw new IllegalStateException("no answer to request " + id);
        }

        private synchronized void write(String line) {
            RawCodexPeer.writeLine(out, line);
        }

        private void read() {
            RawCodexPeer.readLines(process.getInputStream(), m -> {
                if (m.has("id") && !m.has("method")) {
                    long id = m.get("id").asLong();
                    answers.put(id, m);
                    answered.add(id);
                    events.add(id);
                } else if ("turn/completed".equals(m.path("method").asText())) {
                    events.add(new String[] {m.path("params").path("threadId").asText(), m.path("params").path("turn").path("status").asText()});
                } else if (m.has("id")) {
                    write("{\"id\":" + m.get("id") + ",\"result\":{\"decision\":\"accept\"}}");
                }
            });
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
