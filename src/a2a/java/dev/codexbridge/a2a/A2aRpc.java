package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The JSON-RPC binding at {@code POST /}, A2A 0.3's methods ({@code message/send}, …) and 1.0's
 * ({@code SendMessage}, …) side by side over the same {@link A2aOps}; each version answers in its
 * own shapes ({@link A2aVersion}).
 */
final class A2aRpc {
    private static final Set<String> V1_METHODS = Set.of("SendMessage", "SendStreamingMessage", "GetTask", "ListTasks", "CancelTask",
            "SubscribeToTask", "CreateTaskPushNotificationConfig", "GetTaskPushNotificationConfig", "ListTaskPushNotificationConfigs",
            "DeleteTaskPushNotificationConfig", "GetExtendedAgentCard");

    private final A2aOps ops;
    private final @Nullable A2aPush push;

    A2aRpc(A2aOps ops, @Nullable A2aPush push) {
        this.ops = ops;
        this.push = push;
    }

    /** What server thread the call holds while it runs: a stream's, a waiting send's, or none (null). */
    static CallerSlots.@Nullable Kind holdsThread(JsonNode body) {
        JsonNode config = body.path("params").path("configuration");
        return switch (body.path("method").asText()) {
            case "message/stream", "tasks/resubscribe", "SendStreamingMessage", "SubscribeToTask" -> CallerSlots.Kind.STREAM;
            case "message/send" -> config.path("blocking").asBoolean(true) ? CallerSlots.Kind.BLOCKING_SEND : null;
            case "SendMessage" -> !returnsImmediately(config) ? CallerSlots.Kind.BLOCKING_SEND : null;
            default -> null;
        };
    }

    /** A 1.0 send's {@code configuration.returnImmediately}, by its JSON or its proto name (read before the request is). */
    static boolean returnsImmediately(JsonNode configuration) {
        return configuration.path("returnImmediately").asBoolean(configuration.path("return_immediately").asBoolean(false));
    }

    A2aReply call(String principal, JsonNode request, @Nullable String version) throws InterruptedException {
        JsonNode id = request.get("id");
        try {
            if (!request.isObject()) {
                throw new A2aError(A2aError.INVALID_REQUEST, "not a JSON-RPC 2.0 request: the body must be an object");
            }
            if (id != null && !id.isTextual() && !id.isNumber() && !id.isNull()) {
                // JSON-RPC 2.0: an id is a string, a number or null; one of another type cannot be echoed back
                id = null;
                throw new A2aError(A2aError.INVALID_REQUEST, "the request's id must be a string, a number or null");
            }
            if (!request.path("jsonrpc").isTextual() || !"2.0".equals(request.path("jsonrpc").asText())) {
                throw new A2aError(A2aError.INVALID_REQUEST, "not a JSON-RPC 2.0 request: \"jsonrpc\" must be the string \"2.0\"");
            }
            if (!request.path("method").isTextual()) {
                throw new A2aError(A2aError.INVALID_REQUEST, "not a JSON-RPC 2.0 request: \"method\" must be a string");
            }
            JsonNode params = request.path("params");
            if (!params.isMissingNode() && !params.isNull() && !params.isContainerNode()) {
                throw new A2aError(A2aError.INVALID_REQUEST, "\"params\" must be an object");
            }
            if (params.isArray()) {
                throw A2aError.invalidParams("A2A's params are an object, not an array");
            }
            String method = request.path("method").asText();
            A2aVersion named = A2aVersion.ofHeader(version);
            A2aVersion v = V1_METHODS.contains(method) ? A2aVersion.V1_0 : A2aVersion.V0_3;
            if (named != null && named != v && (V1_METHODS.contains(method) || method.contains("/"))) {
                throw new A2aError(A2aError.METHOD_NOT_FOUND, method + " is an A2A " + v.wire + " method, but the request says A2A-Version "
                        + named.wire);
            }
            return v == A2aVersion.V1_0 ? v1(principal, id, method, ProtoJson.jsonNames(params)) : v03(principal, id, method, params);
        } catch (A2aError e) {
            return body(A2aWire.error(id, e));
        }
    }

    private A2aReply v03(String principal, @Nullable JsonNode id, String method, JsonNode params) throws InterruptedException {
        A2aVersion v = A2aVersion.V0_3;
        return switch (method) {
            case "message/send" -> result(id, ops.send(principal, v.messageIn(params.path("message")),
                    params.path("configuration").path("blocking").asBoolean(true),
                    A2aOps.historyLength(params.path("configuration").get("historyLength")), t -> pushAtSend03(principal, t, params)));
            case "message/stream" -> stream(id, ops.stream(principal, v.messageIn(params.path("message")),
                    t -> pushAtSend03(principal, t, params)), v);
            case "tasks/get" -> result(id, ops.get(principal, params.path("id").asText(null), A2aOps.historyLength(params.get("historyLength"))));
            case "tasks/cancel" -> result(id, ops.cancel(principal, params.path("id").asText(null)));
            case "tasks/resubscribe" -> stream(id, ops.subscribe(principal, params.path("id").asText(null)), v);
            case "tasks/pushNotificationConfig/set" -> result(id, v.pushConfig(push().set(principal, v.pushIn(params), v)));
            case "tasks/pushNotificationConfig/get" -> result(id, v.pushConfig(push().get(principal, params.path("id").asText(null),
                    params.path("pushNotificationConfigId").asText(null))));
            case "tasks/pushNotificationConfig/list" -> {
                ArrayNode a = A2aWire.JSON.createArrayNode();
                push().list(principal, params.path("id").asText(null)).forEach(c -> a.add(v.pushConfig(c)));
                yield body(A2aWire.result(id, a));
            }
            case "tasks/pushNotificationConfig/delete" -> {
                push().delete(principal, params.path("id").asText(null), params.path("pushNotificationConfigId").asText(null));
                yield body(A2aWire.result(id, NullNode.getInstance()));
            }
            default -> throw new A2aError(A2aError.METHOD_NOT_FOUND, "no such method: " + method);
        };
    }

    private A2aReply v1(String principal, @Nullable JsonNode id, String method, JsonNode params) throws InterruptedException {
        A2aVersion v = A2aVersion.V1_0;
        return switch (method) {
            case "SendMessage" -> result(id, v.sendResult(send(ops, push, principal, params)));
            case "SendStreamingMessage" -> stream(id, stream(ops, push, principal, params), v);
            case "GetTask" -> result(id, v.task(ops.get(principal, params.path("id").asText(null), A2aOps.historyLength(params.get("historyLength")))));
            case "ListTasks" -> result(id, ops.list(principal, listQuery(params), v));
            case "CancelTask" -> result(id, v.task(ops.cancel(principal, params.path("id").asText(null))));
            case "SubscribeToTask" -> stream(id, ops.subscribe(principal, params.path("id").asText(null)), v);
            case "CreateTaskPushNotificationConfig" -> result(id, v.pushConfig(push().set(principal, v.pushIn(params), v)));
            case "GetTaskPushNotificationConfig" -> result(id, v.pushConfig(push().get(principal, params.path("taskId").asText(null),
                    params.path("id").asText(null))));
            case "ListTaskPushNotificationConfigs" -> result(id, push().listPage(principal, params.path("taskId").asText(null), v));
            case "DeleteTaskPushNotificationConfig" -> {
                push().delete(principal, params.path("taskId").asText(null), params.path("id").asText(null));
                yield result(id, A2aWire.object());
            }
            case "GetExtendedAgentCard" -> throw new A2aError(A2aError.EXTENDED_CARD_NOT_CONFIGURED, "this agent has no extended agent card");
            default -> throw new A2aError(A2aError.METHOD_NOT_FOUND, "no such method: " + method);
        };
    }

    /** 1.0's send, shared with the HTTP+JSON binding: blocking unless {@code returnImmediately}, a push config set with it. */
    static ObjectNode send(A2aOps ops, @Nullable A2aPush push, String principal, JsonNode params) throws InterruptedException {
        JsonNode config = params.path("configuration");
        return ops.send(principal, A2aVersion.V1_0.messageIn(params.path("message")), !config.path("returnImmediately").asBoolean(false),
                A2aOps.historyLength(config.get("historyLength")), t -> pushAtSend(push, principal, t, params));
    }

    /** 1.0's streaming send, shared with the HTTP+JSON binding. */
    static A2aOps.Streamed stream(A2aOps ops, @Nullable A2aPush push, String principal, JsonNode params) {
        return ops.stream(principal, A2aVersion.V1_0.messageIn(params.path("message")), t -> pushAtSend(push, principal, t, params));
    }

    /** A 1.0 send's {@code configuration.taskPushNotificationConfig}, set before the turn starts so the webhook hears every update. */
    private static void pushAtSend(@Nullable A2aPush push, String principal, A2aTask task, JsonNode params) {
        JsonNode c = params.path("configuration").path("taskPushNotificationConfig");
        if (c.isMissingNode() || c.isNull()) {
            return;
        }
        if (!c.isObject()) {
            throw A2aError.invalidParams("configuration.taskPushNotificationConfig must be an object");
        }
        if (push == null) {
            throw new A2aError(A2aError.PUSH_NOT_SUPPORTED, "push notifications are not enabled on this server");
        }
        push.set(principal, A2aVersion.V1_0.pushIn(((ObjectNode) c.deepCopy()).put("taskId", task.id)), A2aVersion.V1_0);
    }

    /** 0.3's {@code configuration.pushNotificationConfig} on a send, set before the turn starts. */
    private void pushAtSend03(String principal, A2aTask task, JsonNode params) {
        JsonNode c = params.path("configuration").path("pushNotificationConfig");
        if (!c.isMissingNode() && !c.isNull() && !c.isObject()) {
            throw A2aError.invalidParams("configuration.pushNotificationConfig must be an object");
        }
        if (c.isObject()) {
            ObjectNode set = A2aWire.object().put("taskId", task.id);
            set.set("pushNotificationConfig", c);
            push().set(principal, A2aVersion.V0_3.pushIn(set), A2aVersion.V0_3);
        }
    }

    static A2aOps.ListQuery listQuery(JsonNode p) {
        String state = p.hasNonNull("status") && !p.path("status").asText().equals("TASK_STATE_UNSPECIFIED")
                ? ProtoJson.stateIn(p.path("status").asText()) : null;
        Instant after = null;
        if (p.hasNonNull("statusTimestampAfter") && !p.path("statusTimestampAfter").asText().isEmpty()) {
            try {
                after = Instant.parse(p.path("statusTimestampAfter").asText());
            } catch (DateTimeParseException e) {
                throw A2aError.invalidParams("statusTimestampAfter is not an RFC 3339 timestamp");
            }
        }
        JsonNode size = p.get("pageSize");
        int pageSize = size == null || size.isNull() || size.asInt() == 0 ? A2aOps.DEFAULT_PAGE : size.asInt();
        if (size != null && !size.isNull() && !size.canConvertToInt() && !size.asText().matches("-?\\d+")) {
            throw A2aError.invalidParams("pageSize must be an integer");
        }
        String token = p.path("pageToken").asText("");
        return new A2aOps.ListQuery(p.path("contextId").asText("").isEmpty() ? null : p.path("contextId").asText(), state, pageSize,
                token.isEmpty() ? null : token, A2aOps.historyLength(p.get("historyLength")), after,
                p.path("includeArtifacts").asBoolean(false));
    }

    private A2aPush push() {
        if (push == null) {
            throw new A2aError(A2aError.PUSH_NOT_SUPPORTED, "push notifications are not enabled on this server");
        }
        return push;
    }

    private static A2aReply result(@Nullable JsonNode id, JsonNode result) {
        return body(A2aWire.result(id, result));
    }

    private static A2aReply body(JsonNode json) {
        return new A2aReply.Body(200, json);
    }

    private static A2aReply stream(@Nullable JsonNode id, A2aOps.Streamed s, A2aVersion v) {
        return new A2aReply.Stream(s.events(), s.task(), e -> A2aWire.result(id, v.event(e)));
    }
}
