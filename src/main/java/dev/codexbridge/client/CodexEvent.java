package dev.codexbridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.protocol.ProtocolDecoder;
import dev.codexbridge.protocol.ServerNotification;
import dev.codexbridge.protocol.ServerRequestParams;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.JsonRpcId;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One message codex started: a notification or a server request, with the thread it belongs to.
 *
 * <p>The typed params ({@link Notification#params()}, {@link ServerRequest#params()}) are
 * decoded at most once, on first use, and then shared by every reader (the projector, the
 * approval bridge, listeners); {@link #raw()} is the escape hatch to the JSON as it came off the
 * wire, including fields the schema does not know.
 */
public abstract sealed class CodexEvent permits CodexEvent.Notification, CodexEvent.ServerRequest {
    private final String method;
    private final String threadId;
    private volatile JsonNode raw;
    /** For an event decoded straight from the wire: the line, parsed into {@link #raw} on first use. */
    private volatile byte[] line;
    /** For an event decoded straight from the wire: its turn, known from the typed params. */
    private final String knownTurnId;

    private CodexEvent(String method, String threadId, JsonNode raw) {
        this.method = Objects.requireNonNull(method, "method");
        this.threadId = threadId;
        this.raw = Objects.requireNonNull(raw, "raw");
        this.knownTurnId = null;
    }

    private CodexEvent(String method, String threadId, String turnId, byte[] line) {
        this.method = Objects.requireNonNull(method, "method");
        this.threadId = threadId;
        this.knownTurnId = Objects.requireNonNull(turnId, "turnId");
        this.line = Objects.requireNonNull(line, "line");
    }

    /** The wire method, e.g. {@code item/completed}. */
    public String method() {
        return method;
    }

    /** The codex thread this message is about, or null for connection-wide messages. */
    public @Nullable String threadId() {
        return threadId;
    }

    /** {@link #raw} as JSON text. */
    public String rawJson() {
        return Json.write(raw());
    }

    /** The params exactly as received. */
    public JsonNode raw() {
        JsonNode r = raw;
        if (r == null) {
            r = WireDecoder.params(line);
            raw = r;
            line = null;
        }
        return r;
    }

    /** The turn this message is about (its {@code turnId}, or {@code turn.id}), or null. */
    public @Nullable String turnId() {
        if (knownTurnId != null) {
            return knownTurnId;
        }
        JsonNode raw = raw();
        JsonNode turn = raw.get("turnId");
        if (turn == null || !turn.isTextual()) {
            JsonNode t = raw.get("turn");
            turn = t == null ? null : t.get("id");
        }
        return turn != null && turn.isTextual() ? turn.asText() : null;
    }

    /** A notification. */
    public static final class Notification extends CodexEvent {
        private volatile ServerNotification params;

        public Notification(String method, @Nullable String threadId, JsonNode raw) {
            super(method, threadId, raw);
        }

        /** Decoded straight from {@code line} (see {@link WireDecoder}): the JSON form waits for {@link #raw()}. */
        Notification(String method, String threadId, String turnId, ServerNotification params, byte[] line) {
            super(method, threadId, turnId, line);
            this.params = Objects.requireNonNull(params, "params");
        }

        /** The typed params; {@link ServerNotification.Unknown} for a method this codex-bridge does not know. */
        public ServerNotification params() {
            ServerNotification p = params;
            if (p == null) {
                p = ProtocolDecoder.notification(method(), raw());
                params = p;
            }
            return p;
        }

        /** The typed params if they are of {@code type}, else null. */
        public <T extends ServerNotification> @Nullable T paramsAs(Class<T> type) {
            ServerNotification p = params();
            return type.isInstance(p) ? type.cast(p) : null;
        }

        @Override
        public String toString() {
            return "Notification[" + method() + (threadId() == null ? "" : ", thread " + threadId()) + "]";
        }
    }

    /** A request codex sent and waits for an answer to. */
    public static final class ServerRequest extends CodexEvent {
        private final JsonRpcId id;
        private volatile ServerRequestParams params;

        public ServerRequest(JsonRpcId id, String method, @Nullable String threadId, JsonNode raw) {
            super(method, threadId, raw);
            this.id = Objects.requireNonNull(id, "id");
        }

        public JsonRpcId id() {
            return id;
        }

        /** The typed params; {@link ServerRequestParams.Unknown} for a method this codex-bridge does not know. */
        public ServerRequestParams params() {
            ServerRequestParams p = params;
            if (p == null) {
                p = ProtocolDecoder.serverRequest(method(), raw());
                params = p;
            }
            return p;
        }

        @Override
        public String toString() {
            return "ServerRequest[" + method() + " " + id + (threadId() == null ? "" : ", thread " + threadId()) + "]";
        }
    }
}
