package dev.codexbridge.rpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Classifies JSON objects into {@link JsonRpcMessage}s by shape and encodes messages as compact
 * single-line JSON. {@code "jsonrpc"} and unknown top-level members (codex adds
 * {@code emittedAtMs}) are ignored on input and never written.
 */
final class MessageCodec {
    private static final ObjectMapper MAPPER = Json.mapper();

    private MessageCodec() {
    }

    /** Parses and classifies one message's bytes. */
    public static JsonRpcMessage decode(byte[] bytes, int offset, int length) throws MalformedMessageException {
        JsonNode node;
        try {
            node = LargeStringDecoder.readTree(MAPPER, bytes, offset, length);
        } catch (IOException e) {
            throw new MalformedMessageException("not JSON: " + firstLine(e.getMessage()));
        }
        return classify(node);
    }

    /** Classifies a parsed value: method+id = request, method = notification, id+result, id+error. */
    public static JsonRpcMessage classify(JsonNode node) throws MalformedMessageException {
        if (node == null || !node.isObject()) {
            throw new MalformedMessageException("not a JSON object");
        }
        JsonNode method = node.get("method");
        JsonNode idNode = node.get("id");
        boolean hasId = idNode != null && !idNode.isNull();
        if (method != null) {
            if (!method.isTextual()) {
                throw new MalformedMessageException("method is not a string");
            }
            JsonNode params = paramsOf(node);
            if (!hasId) {
                return new JsonRpcMessage.Notification(method.textValue(), params);
            }
            JsonRpcId id = JsonRpcId.fromJson(idNode);
            if (id == null) {
                throw new MalformedMessageException("request id is neither an integer nor a string");
            }
            return new JsonRpcMessage.Request(id, method.textValue(), params);
        }
        JsonNode error = node.get("error");
        if (error != null && !error.isNull()) {
            JsonRpcId id = hasId ? JsonRpcId.fromJson(idNode) : null;
            return new JsonRpcMessage.ErrorResponse(id, errorOf(error));
        }
        if (node.has("result")) {
            JsonRpcId id = JsonRpcId.fromJson(idNode);
            if (id == null) {
                throw new MalformedMessageException("response without a usable id");
            }
            return new JsonRpcMessage.Response(id, node.get("result"));
        }
        throw new MalformedMessageException("neither request, notification nor response");
    }

    /** Compact JSON for one message, without the trailing newline, in codex's dialect (no {@code "jsonrpc"}). */
    public static byte[] encode(JsonRpcMessage message) {
        return encode(message, false);
    }

    /**
     * Compact JSON for one message; {@code withVersion} adds {@code "jsonrpc":"2.0"} first, for
     * peers that insist on strict JSON-RPC 2.0 (MCP servers and clients).
     */
    public static byte[] encode(JsonRpcMessage message, boolean withVersion) {
        return encode(message, withVersion, null);
    }

    /**
     * Compact JSON for one message; a request with a non-null {@code trace} carries it as its
     * top-level {@code trace} member (codex's W3C trace context), after {@code params}.
     */
    public static byte[] encode(JsonRpcMessage message, boolean withVersion, @Nullable JsonNode trace) {
        ObjectNode node = MAPPER.createObjectNode();
        if (withVersion) {
            node.put("jsonrpc", "2.0");
        }
        if (message instanceof JsonRpcMessage.Request r) {
            node.set("id", r.id().toJson());
            node.put("method", r.method());
            if (!r.params().isMissingNode()) {
                node.set("params", r.params());
            }
            if (trace != null) {
                node.set("trace", trace);
            }
        } else if (message instanceof JsonRpcMessage.Notification n) {
            node.put("method", n.method());
            node.set("params", n.params());
        } else if (message instanceof JsonRpcMessage.Response r) {
            node.set("id", r.id().toJson());
            node.set("result", r.result());
        } else if (message instanceof JsonRpcMessage.ErrorResponse e) {
            node.set("id", e.id() == null ? MAPPER.nullNode() : e.id().toJson());
            ObjectNode error = node.putObject("error");
            error.put("code", e.error().code());
            error.put("message", e.error().message());
            if (e.error().data() != null && !e.error().data().isNull()) {
                error.set("data", e.error().data());
            }
        }
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    private static JsonNode paramsOf(JsonNode node) {
        JsonNode params = node.get("params");
        return params == null || params.isNull() ? MAPPER.createObjectNode() : params;
    }

    private static RpcError errorOf(JsonNode error) {
        if (!error.isObject()) {
            return new RpcError(RpcError.INTERNAL_ERROR, "malformed error member: " + error);
        }
        JsonNode code = error.get("code");
        JsonNode message = error.get("message");
        JsonNode data = error.get("data");
        return new RpcError(
                code != null && code.canConvertToInt() ? code.intValue() : RpcError.INTERNAL_ERROR,
                message != null && message.isTextual() ? message.textValue() : String.valueOf(message),
                data == null || data.isNull() ? null : data);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
