package dev.codexbridge.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One message of codex's JSON-RPC dialect: JSON-RPC 2.0 without the {@code "jsonrpc"} member.
 * Payloads stay raw {@link JsonNode}s here; typed decoding is the protocol layer's job.
 */
public sealed interface JsonRpcMessage {

    /** Messages the other side starts: what the peer hands to its {@link InboundSink}. */
    sealed interface Inbound extends JsonRpcMessage permits Request, Notification {
        String method();

        JsonNode params();
    }

    /** A request; {@code params} is never null (an empty object when absent on the wire). */
    record Request(JsonRpcId id, String method, JsonNode params) implements Inbound {
        public Request {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(params, "params");
        }
    }

    /** A notification; {@code params} is never null (an empty object when absent on the wire). */
    record Notification(String method, JsonNode params) implements Inbound {
        public Notification {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(params, "params");
        }
    }

    /** A successful response. */
    record Response(JsonRpcId id, JsonNode result) implements JsonRpcMessage {
        public Response {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(result, "result");
        }
    }

    /** An error response; {@code id} is null when the other side could not tell which request failed. */
    record ErrorResponse(@Nullable JsonRpcId id, RpcError error) implements JsonRpcMessage {
        public ErrorResponse {
            Objects.requireNonNull(error, "error");
        }
    }
}
