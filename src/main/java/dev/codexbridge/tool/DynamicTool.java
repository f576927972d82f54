package dev.codexbridge.tool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.util.List;
import java.util.Objects;

/**
 * A tool the host offers codex for one session ({@code thread/start.dynamicTools}); codex calls it
 * with {@code item/tool/call} and the bridge runs {@link Handler} off the turn's thread.
 */
public record DynamicTool(String name, String description, JsonNode inputSchema, Handler handler) {

    @FunctionalInterface
    public interface Handler {
        Result call(JsonNode arguments) throws Exception;
    }

    /** What the tool returns: text parts (and/or image URLs) and whether it worked. */
    public record Result(List<String> texts, List<String> imageUrls, boolean success) {
        public Result {
            texts = List.copyOf(texts);
            imageUrls = List.copyOf(imageUrls);
        }

        public static Result text(String text) {
            return new Result(List.of(text), List.of(), true);
        }

        public static Result failure(String message) {
            return new Result(List.of(message), List.of(), false);
        }
    }

    public DynamicTool {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(handler, "handler");
        if (inputSchema == null) {
            inputSchema = Json.object().put("type", "object");
        }
    }

    /** The {@code thread/start} spec: {@code {type: "function", name, description, inputSchema}}. */
    public ObjectNode spec() {
        ObjectNode spec = Json.object().put("type", "function").put("name", name).put("description", description);
        spec.set("inputSchema", inputSchema);
        return spec;
    }
}
