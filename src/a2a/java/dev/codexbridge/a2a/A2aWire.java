package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.protocol.FileChanges;
import dev.codexbridge.protocol.ThreadItem;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** A2A 0.3's JSON shapes: messages, parts, statuses, events, JSON-RPC envelopes. */
final class A2aWire {
    static final ObjectMapper JSON = new ObjectMapper();

    private A2aWire() {
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    static ObjectNode textPart(String text) {
        return object().put("kind", "text").put("text", text);
    }

    static ObjectNode dataPart(JsonNode data) {
        ObjectNode p = object().put("kind", "data");
        p.set("data", data);
        return p;
    }

    /** An agent message in a task, of the given parts. */
    static ObjectNode agentMessage(String taskId, String contextId, JsonNode... parts) {
        ObjectNode m = object().put("kind", "message").put("role", "agent").put("messageId", UUID.randomUUID().toString())
                .put("taskId", taskId).put("contextId", contextId);
        ArrayNode ps = m.putArray("parts");
        for (JsonNode p : parts) {
            ps.add(p);
        }
        return m;
    }

    /** The caller's message as kept in a task's history: a copy carrying its kind, task and context. */
    static ObjectNode userMessage(JsonNode message, String taskId, String contextId) {
        ObjectNode m = object().put("kind", "message");
        m.setAll((ObjectNode) message.deepCopy());
        return m.put("kind", "message").put("role", "user").put("taskId", taskId).put("contextId", contextId);
    }

    static ObjectNode status(String state, @Nullable JsonNode message) {
        ObjectNode s = object().put("state", state).put("timestamp", Instant.now().toString());
        if (message != null) {
            s.set("message", message);
        }
        return s;
    }

    static ObjectNode statusUpdate(String taskId, String contextId, ObjectNode status, boolean last, @Nullable JsonNode metadata) {
        ObjectNode e = object().put("kind", "status-update").put("taskId", taskId).put("contextId", contextId);
        e.set("status", status);
        e.put("final", last);
        if (metadata != null) {
            e.set("metadata", metadata);
        }
        return e;
    }

    static ObjectNode artifact(String artifactId, String name, JsonNode... parts) {
        ObjectNode a = object().put("artifactId", artifactId).put("name", name);
        ArrayNode ps = a.putArray("parts");
        for (JsonNode p : parts) {
            ps.add(p);
        }
        return a;
    }

    /** A file change codex made, as a {@code file-change} artifact: its status, and each file's path, kind and diff. */
    static ObjectNode fileChangeArtifact(ThreadItem.FileChange f) {
        ArrayNode changes = JSON.createArrayNode();
        f.changes().forEach(ch -> changes.add(object().put("path", ch.path())
                .put("kind", ch.kind() == null ? null : FileChanges.kind(ch.kind()))
                .put("diff", ch.diff())));
        return artifact("file-change-" + f.id(), "file-change",
                dataPart(object().put("status", f.status() == null ? null : f.status().wire()).set("changes", changes)));
    }

    static ObjectNode artifactUpdate(String taskId, String contextId, ObjectNode artifact) {
        ObjectNode e = object().put("kind", "artifact-update").put("taskId", taskId).put("contextId", contextId);
        e.set("artifact", artifact);
        return e.put("append", false).put("lastChunk", true);
    }

    static ObjectNode result(@Nullable JsonNode id, JsonNode result) {
        ObjectNode r = object().put("jsonrpc", "2.0");
        r.set("id", id);
        r.set("result", result);
        return r;
    }

    static ObjectNode error(@Nullable JsonNode id, int code, String message) {
        return error(id, new A2aError(code, message));
    }

    /** A JSON-RPC error; an A2A-specific one carries its {@code google.rpc.ErrorInfo} in {@code data} (A2A 1.0 §9.5). */
    static ObjectNode error(@Nullable JsonNode id, A2aError e) {
        ObjectNode r = object().put("jsonrpc", "2.0");
        r.set("id", id);
        ObjectNode err = r.putObject("error").put("code", e.code()).put("message", e.getMessage());
        if (e.reason() != null) {
            err.putArray("data").add(errorInfo(e.reason(), e));
        }
        return r;
    }

    /** A {@code google.rpc.ErrorInfo} in ProtoJSON's {@code Any} form. */
    static ObjectNode errorInfo(String reason, A2aError e) {
        ObjectNode info = object().put("@type", "type.googleapis.com/google.rpc.ErrorInfo").put("reason", reason)
                .put("domain", A2aError.DOMAIN);
        if (!e.metadata().isEmpty()) {
            ObjectNode m = info.putObject("metadata");
            new java.util.TreeMap<>(e.metadata()).forEach(m::put);
        }
        return info;
    }

    /**
     * A structured answer as data: the library has checked it against the schema (a non-conforming
     * answer fails the turn), so it parses; A2A's data part holds an object, so anything else is
     * wrapped as {@code {"value": ...}}.
     */
    static JsonNode structuredData(String answer) {
        JsonNode data;
        try {
            data = JSON.readTree(answer.strip());
        } catch (java.io.IOException e) {
            data = JSON.getNodeFactory().textNode(answer);
        }
        return data != null && data.isObject() ? data : object().set("value", data);
    }

    /** A message's text parts alone, joined by spaces. */
    static String texts(JsonNode message) {
        StringBuilder b = new StringBuilder();
        for (JsonNode p : message.path("parts")) {
            if ("text".equals(p.path("kind").asText())) {
                b.append(b.length() == 0 ? "" : " ").append(p.path("text").asText());
            }
        }
        return b.toString().strip();
    }

    /** The text of a message's text parts, joined by new lines; data parts as their JSON. */
    static String text(JsonNode message) {
        StringBuilder b = new StringBuilder();
        for (JsonNode p : message.path("parts")) {
            String kind = p.path("kind").asText();
            String piece = switch (kind) {
                case "text" -> p.path("text").asText();
                case "data" -> p.path("data").toString();
                case "file" -> throw new A2aError(A2aError.CONTENT_TYPE_NOT_SUPPORTED, "file parts are not supported: send text or data parts",
                        java.util.Map.of("partKind", "file"));
                default -> throw A2aError.invalidParams("unsupported part kind '" + kind + "': send text or data parts");
            };
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append(piece);
        }
        return b.toString();
    }
}
