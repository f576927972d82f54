package dev.codexbridge.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.chaos.ReplicasAnswer.Told;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The callers of {@code bin/bench chaos --replicas}: each slot one conversation at one of the three
 * doors ({@link #door}: an A2A context, an MCP conversation or an OpenAI Responses conversation, in
 * turn), of principal {@link #principal} (each door's slots go through the three principals),
 * sending one message at a time through the proxy until told to stop, and writing down every
 * answer ({@link ReplicasAnswer}). An A2A context goes on by its context id; an MCP conversation
 * by its thread id, on a new session when the proxy's replica for the old one is gone (404), and
 * now and then on a new session of its own accord ({@code CHAOS_MCP_REOPEN}: one message in N on
 * average, default 10; 0: never), the old one ended once the call is answered, as a client that
 * reconnects does: the proxy places the new session anywhere, so the conversation moves between
 * live replicas at the MCP door too. An OpenAI conversation goes on by {@code previous_response_id}
 * ({@link ReplicasOpenAiCaller}), each request to any replica. Every message carries an identity of
 * its own (A2A's {@code messageId}, MCP's idempotency key, the OpenAI door's
 * {@code Idempotency-Key}); one that got no answer is sent again with it, up to {@link #MAX_COPIES}
 * sends in all, as docs/a2a.md, docs/mcp.md and docs/openai.md ("Sending again") tell callers to.
 */
final class ReplicasClients {
    static final List<String> PRINCIPALS = List.of("alice", "bob", "carol");
    /** The doors, a slot's by {@code slot % 3}. */
    static final List<String> DOORS = List.of("a2a", "mcp", "openai");
    static final String PREFIX = "chaos-replicas ";
    /**
     * How long a caller waits for a call's answer before it counts it unanswered and sends it again
     * with its identity ({@code CHAOS_CLIENT_TIMEOUT}, seconds; 150 by default: only a call that
     * never ends): a shorter one is a client's own retry, which reaches another replica while the
     * one it first reached is stalled.
     */
    static final Duration TURN_TIMEOUT = Duration.ofSeconds(Long.parseLong(System.getenv().getOrDefault("CHAOS_CLIENT_TIMEOUT", "150")));
    private static final String MCP_VERSION = "2025-06-18";
    private static final String IDEMPOTENCY_KEY = "dev.codexbridge/idempotencyKey";
    /** A message's sends at most: the first and the copies after no answer. */
    static final int MAX_COPIES = 3;

    /**
     * Whether a message is sent again after answer {@code a}: after no answer, and after a refusal
     * ("nothing was run; send it again") while an earlier copy went unanswered ({@code unknown}):
     * that refusal speaks for its own copy, and the caller still does not know what became of the
     * first, which the next copy is told.
     */
    static boolean sendAgain(ReplicasAnswer a, boolean unknown) {
        return a.unanswered() || unknown && a.told() == Told.REFUSED;
    }
    private static final int REOPEN_EVERY = Integer.parseInt(System.getenv().getOrDefault("CHAOS_MCP_REOPEN", "10"));

    private final URI a2a;
    private final URI mcp;
    private final URI openai;
    private final AtomicBoolean stop;
    private final ConcurrentLinkedQueue<ReplicasAnswer> answers;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    /** {@code openai}: the Responses API's address ({@code …/v1/responses}). */
    ReplicasClients(URI a2a, URI mcp, URI openai, AtomicBoolean stop, ConcurrentLinkedQueue<ReplicasAnswer> answers) {
        this.a2a = a2a;
        this.mcp = mcp;
        this.openai = openai;
        this.stop = stop;
        this.answers = answers;
    }

    static String token(String principal) {
        return principal + "-token-chaos-0123456789";
    }

    static String key(int slot, int n) {
        return "s" + slot + "-t" + n;
    }

    /** Runs slot {@code slot}'s conversation until the stop. */
    void run(int slot, long seed) {
        Random random = new Random(seed * 1000 + slot);
        switch (door(slot)) {
            case "a2a" -> new A2aCaller(slot).run(random);
            case "mcp" -> new McpCaller(slot).run(random);
            default -> new ReplicasOpenAiCaller(slot, openai, token(principal(slot)), http, answers::add, this).run(random);
        }
    }

    /** Slot {@code slot}'s door: {@code a2a}, {@code mcp} or {@code openai}, in turn. */
    static String door(int slot) {
        return DOORS.get(slot % DOORS.size());
    }

    /** Slot {@code slot}'s principal: shifted by one every round of the doors, so each door has every principal's slots. */
    static String principal(int slot) {
        return PRINCIPALS.get((slot + slot / DOORS.size()) % PRINCIPALS.size());
    }

    boolean stopped() {
        return stop.get();
    }

    void pause(Random random, Told told) {
        try {
            Thread.sleep(told == Told.REFUSED || told == Told.UNKNOWN ? 1000 : 300 + random.nextInt(1200));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.set(true);
        }
    }

    private final class A2aCaller {
        private final int slot;
        private @Nullable String context;

        A2aCaller(int slot) {
            this.slot = slot;
        }

        void run(Random random) {
            for (int n = 1; !stop.get(); n++) {
                String key = key(slot, n);
                String messageId = UUID.randomUUID().toString();
                boolean unknown = false;
                for (int copy = 1; !stop.get(); ) {
                    ReplicasAnswer a = send(key, messageId, copy);
                    answers.add(a);
                    pause(random, a.told());
                    boolean again = sendAgain(a, unknown);
                    unknown |= a.unanswered();
                    if (!again || ++copy > MAX_COPIES) {
                        break;
                    }
                }
            }
        }

        private ReplicasAnswer send(String key, String messageId, int copy) {
            ObjectNode message = Json.object().put("role", "user").put("messageId", messageId);
            message.putArray("parts").addObject().put("kind", "text").put("text", PREFIX + key);
            if (context != null) {
                message.put("contextId", context);
            }
            ObjectNode body = Json.object().put("jsonrpc", "2.0").put("id", 1).put("method", "message/send");
            body.putObject("params").set("message", message);
            long sent = System.currentTimeMillis();
            HttpResponse<String> r;
            try {
                r = http.send(HttpRequest.newBuilder(a2a).timeout(TURN_TIMEOUT).header("Authorization", "Bearer " + token(principal(slot)))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                return answer(key, copy, sent, Told.UNKNOWN, null, null, null, null, null, ReplicasAnswer.NO_ANSWER + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return answer(key, copy, sent, Told.UNKNOWN, null, null, null, null, null, "interrupted");
            }
            String replica = r.headers().firstValue(ReplicasProxy.SERVED_BY).orElse(null);
            if (r.statusCode() == 502) {
                return answer(key, copy, sent, Told.REFUSED, null, null, null, null, null, ReplicasAnswer.NO_REPLICA);
            }
            JsonNode json;
            try {
                json = Json.parse(r.body());
            } catch (RuntimeException e) {
                return answer(key, copy, sent, Told.UNKNOWN, replica, null, null, null, null, "HTTP " + r.statusCode() + ": " + r.body());
            }
            if (json.has("error")) {
                return answer(key, copy, sent, Told.REFUSED, replica, null, null, null, null, json.path("error").toString());
            }
            JsonNode task = json.path("result");
            context = task.path("contextId").asText(context);
            String state = task.at("/status/state").asText();
            Told told = switch (state) {
                case "completed" -> Told.COMPLETED;
                case "failed", "canceled", "rejected" -> Told.FAILED;
                default -> Told.UNKNOWN;
            };
            return answer(key, copy, sent, told, replica, task.path("id").asText(null), state, task.at("/metadata/codexTurnId").asText(null),
                    task.at("/metadata/codexThreadId").asText(null), told == Told.COMPLETED ? "" : task.path("status").toString());
        }

        private ReplicasAnswer answer(String key, int copy, long sent, Told told, @Nullable String replica, @Nullable String task,
                                      @Nullable String state, @Nullable String turn, @Nullable String thread, String detail) {
            return new ReplicasAnswer(slot, "a2a", key, copy, sent, System.currentTimeMillis(), told, replica, task, state, turn, thread, detail);
        }
    }

    private final class McpCaller {
        private final int slot;
        private @Nullable String session;
        private @Nullable String thread;
        private int requestId;

        McpCaller(int slot) {
            this.slot = slot;
        }

        void run(Random random) {
            for (int n = 1; !stop.get(); n++) {
                String key = key(slot, n);
                String idempotencyKey = UUID.randomUUID().toString();
                String left = null;
                if (session != null && REOPEN_EVERY > 0 && random.nextInt(REOPEN_EVERY) == 0) {
                    left = session;
                    session = null;
                }
                boolean unknown = false;
                for (int copy = 1; !stop.get(); ) {
                    if (session == null && !initialize()) {
                        pause(random, Told.UNKNOWN);
                        continue;
                    }
                    ReplicasAnswer a = call(key, idempotencyKey, copy);
                    answers.add(a);
                    pause(random, a.told());
                    boolean again = sendAgain(a, unknown);
                    unknown |= a.unanswered();
                    if (!again || ++copy > MAX_COPIES) {
                        break;
                    }
                }
                if (left != null) {
                    end(left);
                }
            }
        }

        /** Ends a session this client moved away from: after the call on the new one, so the move was an ask, not a release. */
        private void end(String id) {
            try {
                http.send(HttpRequest.newBuilder(mcp).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token(principal(slot)))
                        .header("Mcp-Session-Id", id).header("MCP-Protocol-Version", MCP_VERSION).DELETE().build(),
                        HttpResponse.BodyHandlers.discarding());
            } catch (IOException e) {
                // its replica gone: the session went with it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop.set(true);
            }
        }

        private boolean initialize() {
            ObjectNode params = Json.object().put("protocolVersion", MCP_VERSION);
            params.putObject("capabilities");
            params.putObject("clientInfo").put("name", "chaos-replicas").put("version", "1");
            try {
                HttpResponse<String> r = post(rpc("initialize", params), null);
                String id = r.headers().firstValue("Mcp-Session-Id").orElse(null);
                if (r.statusCode() != 200 || id == null) {
                    return false;
                }
                HttpResponse<String> ok = post(Json.write(Json.object().put("jsonrpc", "2.0").put("method", "notifications/initialized")), id);
                if (ok.statusCode() / 100 != 2) {
                    return false;
                }
                session = id;
                return true;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop.set(true);
                return false;
            }
        }

        private ReplicasAnswer call(String key, String idempotencyKey, int copy) {
            ObjectNode args = Json.object().put("prompt", PREFIX + key);
            if (thread != null) {
                args.put("threadId", thread);
            }
            ObjectNode params = Json.object().put("name", thread == null ? "codex" : "codex-reply");
            params.set("arguments", args);
            params.putObject("_meta").put(IDEMPOTENCY_KEY, idempotencyKey);
            long sent = System.currentTimeMillis();
            String id = Integer.toString(requestId + 1);
            HttpResponse<String> r;
            try {
                r = post(rpc("tools/call", params), session);
            } catch (IOException e) {
                session = null;         // its replica may be gone: a new session next
                return answer(key, copy, sent, Told.UNKNOWN, null, ReplicasAnswer.NO_ANSWER + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return answer(key, copy, sent, Told.UNKNOWN, null, "interrupted");
            }
            String replica = r.headers().firstValue(ReplicasProxy.SERVED_BY).orElse(null);
            if (r.statusCode() == 404) {
                session = null;
                return answer(key, copy, sent, Told.REFUSED, replica, "session not found on " + replica);
            }
            if (r.statusCode() == 502) {
                session = null;
                return answer(key, copy, sent, Told.REFUSED, null, ReplicasAnswer.NO_REPLICA);
            }
            JsonNode json = responseTo(r, id);
            if (json == null) {
                session = null;
                // a stream that ended before the call's result is no answer, as a connection cut is
                String why = "HTTP " + r.statusCode() + " without the answer: " + r.body();
                return answer(key, copy, sent, Told.UNKNOWN, replica, r.statusCode() / 100 == 2 ? ReplicasAnswer.NO_ANSWER + why : why);
            }
            if (json.has("error")) {
                return answer(key, copy, sent, Told.REFUSED, replica, json.path("error").toString());
            }
            JsonNode result = json.path("result");
            String named = result.at("/structuredContent/threadId").asText(null);
            if (named != null) {
                thread = named;
            }
            String text = result.at("/content/0/text").asText("");
            if (!result.path("isError").asBoolean(false)) {
                return answer(key, copy, sent, Told.COMPLETED, replica, "");
            }
            // "whether codex ran … is unknown" comes as a refusal's shape when a copy's first send was lost with its replica,
            // but the first may have run: neither outcome is wrong, so it is read before the shape
            Told told = text.contains("whether codex ran") || text.contains("is unknown") ? Told.UNKNOWN
                    : text.contains("in use on another replica") || text.contains("never received")
                    || result.path("structuredContent").isMissingNode() ? Told.REFUSED : Told.FAILED;
            return answer(key, copy, sent, told, replica, text);
        }

        private ReplicasAnswer answer(String key, int copy, long sent, Told told, @Nullable String replica, String detail) {
            return new ReplicasAnswer(slot, "mcp", key, copy, sent, System.currentTimeMillis(), told, replica, null, null, null, thread, detail);
        }

        private String rpc(String method, ObjectNode params) {
            ObjectNode body = Json.object().put("jsonrpc", "2.0").put("id", Integer.toString(++requestId)).put("method", method);
            body.set("params", params);
            return Json.write(body);
        }

        private HttpResponse<String> post(String body, @Nullable String id) throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(mcp).timeout(TURN_TIMEOUT).header("Authorization", "Bearer " + token(principal(slot)))
                    .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            if (id != null) {
                b.header("Mcp-Session-Id", id).header("MCP-Protocol-Version", MCP_VERSION);
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        /** The JSON-RPC answer to request {@code id}: the body itself, or the SSE event carrying it. */
        private @Nullable JsonNode responseTo(HttpResponse<String> r, String id) {
            String type = r.headers().firstValue("Content-Type").orElse("");
            try {
                if (!type.startsWith("text/event-stream")) {
                    return Json.parse(r.body());
                }
                for (String line : r.body().split("\n")) {
                    if (line.startsWith("data:")) {
                        JsonNode m = Json.parse(line.substring(5).strip());
                        if (m.path("id").asText("").equals(id)) {
                            return m;
                        }
                    }
                }
            } catch (RuntimeException notJson) {
                return null;
            }
            return null;
        }
    }
}
