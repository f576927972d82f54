package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A2A 1.0's HTTP+JSON binding over the same {@link A2aOps}: {@code POST /message:send},
 * {@code POST /message:stream} (SSE of {@code StreamResponse}s), {@code GET /tasks},
 * {@code GET /tasks/{id}}, {@code POST /tasks/{id}:cancel}, {@code GET|POST /tasks/{id}:subscribe},
 * and the push configs under {@code /tasks/{id}/pushNotificationConfigs}. Errors are HTTP statuses
 * with a {@code google.rpc.Status} body naming A2A's reason.
 */
final class A2aRest {
    private static final Pattern TASK = Pattern.compile("/tasks/([^/:]+)(:cancel|:subscribe)?");
    private static final Pattern CONFIGS = Pattern.compile("/tasks/([^/:]+)/pushNotificationConfigs(?:/([^/:]+))?");
    private static final A2aVersion V = A2aVersion.V1_0;

    private final A2aOps ops;
    private final @Nullable A2aPush push;

    A2aRest(A2aOps ops, @Nullable A2aPush push) {
        this.ops = ops;
        this.push = push;
    }

    /** Whether {@code path} is one of this binding's. */
    static boolean serves(String path) {
        return path.equals("/message:send") || path.equals("/message:stream") || path.equals("/tasks") || path.equals("/extendedAgentCard")
                || TASK.matcher(path).matches() || CONFIGS.matcher(path).matches();
    }

    static CallerSlots.@Nullable Kind holdsThread(String method, String path, @Nullable JsonNode body) {
        if (path.equals("/message:stream") || path.endsWith(":subscribe")) {
            return CallerSlots.Kind.STREAM;
        }
        return path.equals("/message:send") && (body == null || !A2aRpc.returnsImmediately(body.path("configuration")))
                ? CallerSlots.Kind.BLOCKING_SEND : null;
    }

    A2aReply call(String principal, String method, String path, Map<String, String> query, @Nullable JsonNode body,
            @Nullable String versionHeader) throws InterruptedException {
        try {
            if (A2aVersion.ofHeader(versionHeader) == A2aVersion.V0_3) {
                throw new A2aError(A2aError.VERSION_NOT_SUPPORTED, "the HTTP+JSON binding is served for A2A 1.0 only; 0.3 callers use JSON-RPC at POST /");
            }
            if (body != null && !body.isObject()) {
                throw A2aError.invalidParams("the body must be a JSON object");
            }
            return route(principal, method, path, query, body == null ? A2aWire.object() : ProtoJson.jsonNames(body));
        } catch (A2aError e) {
            return error(e);
        }
    }

    private A2aReply route(String principal, String method, String path, Map<String, String> query, JsonNode body)
            throws InterruptedException {
        switch (path) {
            case "/message:send" -> {
                allow(method, "POST");
                return ok(V.sendResult(A2aRpc.send(ops, push, principal, body)));
            }
            case "/message:stream" -> {
                allow(method, "POST");
                return stream(A2aRpc.stream(ops, push, principal, body));
            }
            case "/tasks" -> {
                allow(method, "GET");
                ObjectNode q = A2aWire.object();
                query.forEach(q::put);
                return ok(ops.list(principal, A2aRpc.listQuery(q), V));
            }
            case "/extendedAgentCard" -> throw new A2aError(A2aError.EXTENDED_CARD_NOT_CONFIGURED, "this agent has no extended agent card");
            default -> {
                // matched below
            }
        }
        Matcher t = TASK.matcher(path);
        if (t.matches()) {
            String id = t.group(1);
            if (t.group(2) == null) {
                allow(method, "GET");
                return ok(V.task(ops.get(principal, id, A2aOps.historyLength(query.containsKey("historyLength")
                        ? A2aWire.JSON.getNodeFactory().textNode(query.get("historyLength")) : null))));
            }
            if (t.group(2).equals(":cancel")) {
                allow(method, "POST");
                return ok(V.task(ops.cancel(principal, id)));
            }
            if (!method.equals("GET")) {
                allow(method, "POST");
            }
            return stream(ops.subscribe(principal, id));
        }
        Matcher c = CONFIGS.matcher(path);
        if (!c.matches()) {
            throw new A2aError(A2aError.METHOD_NOT_FOUND, "no such route: " + method + " " + path);
        }
        A2aPush p = push;
        if (p == null) {
            throw new A2aError(A2aError.PUSH_NOT_SUPPORTED, "push notifications are not enabled on this server");
        }
        String taskId = c.group(1);
        String configId = c.group(2);
        if (configId == null && method.equals("POST")) {
            return ok(V.pushConfig(p.set(principal, V.pushIn(((ObjectNode) body.deepCopy()).put("taskId", taskId)), V)));
        }
        if (configId == null) {
            allow(method, "GET");
            return ok(p.listPage(principal, taskId, V));
        }
        if (method.equals("DELETE")) {
            p.delete(principal, taskId, configId);
            return new A2aReply.Body(200, A2aWire.object());
        }
        allow(method, "GET");
        return ok(V.pushConfig(p.get(principal, taskId, configId)));
    }

    private static void allow(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new A2aError(A2aError.METHOD_NOT_FOUND, "use " + allowed + " here, not " + method);
        }
    }

    private static A2aReply ok(JsonNode json) {
        return new A2aReply.Body(200, json);
    }

    private static A2aReply stream(A2aOps.Streamed s) {
        return new A2aReply.Stream(s.events(), s.task(), V::event);
    }

    /** A refusal of the HTTP layer (no valid token, a foreign origin, a body too large) as a {@code google.rpc.Status}. */
    static ObjectNode refusal(int status, String message) {
        String name = switch (status) {
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            default -> "INVALID_ARGUMENT";
        };
        ObjectNode body = A2aWire.object();
        body.putObject("error").put("code", status).put("status", name).put("message", message);
        return body;
    }

    /**
     * A refusal to send again shortly ({@link A2aDrain}): {@code UNAVAILABLE}, its delay as a
     * {@code google.rpc.RetryInfo} and, as the binding's other "send again" answers carry it, the
     * {@code ErrorInfo} with {@code retryAfterSeconds}.
     */
    static ObjectNode unavailable(A2aError e) {
        ObjectNode body = A2aWire.object();
        ObjectNode s = body.putObject("error").put("code", 503).put("status", "UNAVAILABLE").put("message", e.getMessage());
        var details = s.putArray("details");
        details.addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo")
                .put("retryDelay", e.metadata().getOrDefault("retryAfterSeconds", "1") + "s");
        details.add(A2aWire.errorInfo(e.reason(), e));
        return body;
    }

    /**
     * An error as 1.0 maps it onto HTTP (the table as corrected in 1.0.1, which the JS SDK 1.3.0
     * follows: a task not cancelable is 400, not 1.0.0's 409): the status, and a
     * {@code google.rpc.Status} with A2A's {@code ErrorInfo} reason.
     */
    static A2aReply error(A2aError e) {
        int status;
        String name;
        switch (e.code()) {
            case A2aError.TASK_NOT_FOUND, A2aError.METHOD_NOT_FOUND -> { status = 404; name = "NOT_FOUND"; }
            case A2aError.TASK_NOT_CANCELABLE, A2aError.PUSH_NOT_SUPPORTED, A2aError.UNSUPPORTED, A2aError.EXTENDED_CARD_NOT_CONFIGURED,
                    A2aError.VERSION_NOT_SUPPORTED -> { status = 400; name = "FAILED_PRECONDITION"; }
            case A2aError.INTERNAL -> { status = 500; name = "INTERNAL"; }
            default -> { status = 400; name = "INVALID_ARGUMENT"; }
        }
        String reason = e.reason() != null ? e.reason() : e.code() == A2aError.METHOD_NOT_FOUND || e.code() == A2aError.INTERNAL ? null
                : "INVALID_PARAMS";
        ObjectNode body = A2aWire.object();
        ObjectNode s = body.putObject("error").put("code", status).put("status", name).put("message", e.getMessage());
        if (reason != null) {
            s.putArray("details").add(A2aWire.errorInfo(reason, e));
        }
        return new A2aReply.Body(status, body);
    }
}
