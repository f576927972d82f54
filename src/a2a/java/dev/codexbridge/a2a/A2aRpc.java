package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A2A 0.3's JSON-RPC methods: each answers one JSON body, or a stream of task events (SSE).
 * {@code tasks/list} is not in 0.3; push notification methods answer "not supported".
 */
final class A2aRpc {
    /** How long {@code tasks/cancel} waits for codex to confirm the interrupt before answering. */
    private static final Duration CANCEL_WAIT = Duration.ofSeconds(10);

    private final A2aAgent agent;

    /** What a call answers: a JSON-RPC result body, or a stream of events for the request's id. */
    sealed interface Reply permits Body, Stream {
    }

    record Body(JsonNode json) implements Reply {
    }

    record Stream(@Nullable JsonNode id, TaskStream events, A2aTask task) implements Reply {
    }

    A2aRpc(A2aAgent agent) {
        this.agent = agent;
    }

    Reply call(String principal, JsonNode request) throws InterruptedException {
        JsonNode id = request.get("id");
        try {
            if (!request.isObject() || !"2.0".equals(request.path("jsonrpc").asText()) || !request.path("method").isTextual()) {
                throw new A2aError(A2aError.INVALID_REQUEST, "not a JSON-RPC 2.0 request");
            }
            JsonNode params = request.path("params");
            return switch (request.path("method").asText()) {
                case "message/send" -> send(principal, id, params);
                case "message/stream" -> stream(principal, id, params);
                case "tasks/get" -> new Body(A2aWire.result(id, agent.task(principal, params.path("id").asText(null))
                        .snapshot(historyLength(params))));
                case "tasks/cancel" -> cancel(principal, id, params);
                case "tasks/resubscribe" -> {
                    A2aTask t = agent.task(principal, params.path("id").asText(null));
                    yield new Stream(id, t.subscribe(), t);
                }
                case "tasks/pushNotificationConfig/set", "tasks/pushNotificationConfig/get",
                        "tasks/pushNotificationConfig/list", "tasks/pushNotificationConfig/delete" ->
                        throw new A2aError(A2aError.PUSH_NOT_SUPPORTED, "push notifications are not supported");
                default -> throw new A2aError(A2aError.METHOD_NOT_FOUND, "no such method: " + request.path("method").asText());
            };
        } catch (A2aError e) {
            return new Body(A2aWire.error(id, e.code(), e.getMessage()));
        }
    }

    private Reply send(String principal, @Nullable JsonNode id, JsonNode params) throws InterruptedException {
        A2aAgent.Accepted a = agent.message(principal, params);
        a.go().run();
        // A2A's default is a blocking send: answer once the task ended or waits for the caller
        if (params.path("configuration").path("blocking").asBoolean(true)) {
            a.task().awaitPause(agent.limits().blockingWait());
        }
        return new Body(A2aWire.result(id, a.task().snapshot(historyLength(params.path("configuration")))));
    }

    private Reply stream(String principal, @Nullable JsonNode id, JsonNode params) {
        A2aAgent.Accepted a = agent.message(principal, params);
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
        return new Stream(id, s, a.task());
    }

    private Reply cancel(String principal, @Nullable JsonNode id, JsonNode params) throws InterruptedException {
        A2aTask t = agent.task(principal, params.path("id").asText(null));
        t.cancel();
        long end = System.nanoTime() + CANCEL_WAIT.toNanos();
        while (!t.ended() && System.nanoTime() < end) {
            t.awaitPause(Duration.ofNanos(end - System.nanoTime()));
            if (!t.ended()) {
                Thread.sleep(20);
            }
        }
        return new Body(A2aWire.result(id, t.snapshot(historyLength(params))));
    }

    private static @Nullable Integer historyLength(JsonNode params) {
        JsonNode h = params.get("historyLength");
        if (h == null || h.isNull()) {
            return null;
        }
        if (!h.canConvertToInt() || h.asInt() < 0) {
            throw A2aError.invalidParams("historyLength must be a non-negative integer");
        }
        return h.asInt();
    }
}
