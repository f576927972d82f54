package dev.codexbridge.tool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A tool the host offers codex for one session ({@code thread/start.dynamicTools}); codex calls it
 * with {@code item/tool/call} and the bridge runs {@link Handler} off the turn's thread.
 *
 * <p>A host that keeps its JSON in another library than Jackson 2 (Jackson 3, Gson, …) builds it
 * with {@link #ofJson} and a {@link JsonHandler}: the schema and the arguments are JSON text.
 *
 * @param inputSchema the arguments' JSON Schema; null means any object
 */
public record DynamicTool(String name, String description, JsonNode inputSchema, Handler handler) {

    @FunctionalInterface
    public interface Handler {
        Result call(JsonNode arguments) throws Exception;

        /** What the bridge calls: {@link #call(JsonNode)} unless the handler wants to know the call too. */
        default Result call(Call call, JsonNode arguments) throws Exception {
            return call(arguments);
        }
    }

    /**
     * A handler that also learns which call it answers, with the arguments as JSON text: codex's
     * call id and the turn it belongs to, for a host that hands the call on and answers it later
     * under that id (as the LangChain4j adapter does). Built with {@link #ofCalls}.
     */
    @FunctionalInterface
    public interface CallHandler {
        Result call(Call call, String arguments) throws Exception;
    }

    /** One call of a tool as codex sent it ({@code item/tool/call}); a value codex left out is "". */
    public record Call(String callId, String tool, String threadId, String turnId) {
    }

    /** {@link Handler} with the arguments as JSON text (an object; {@code {}} when codex sent none). */
    @FunctionalInterface
    public interface JsonHandler {
        Result call(String arguments) throws Exception;
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

    public DynamicTool(String name, String description, @Nullable JsonNode inputSchema, Handler handler) {
        this.name = Objects.requireNonNull(name, "name");
        this.description = Objects.requireNonNull(description, "description");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.inputSchema = inputSchema == null ? Json.object().put("type", "object") : inputSchema;
    }

    /**
     * A tool whose schema and arguments are JSON text. {@code inputSchema} is a JSON object, or null
     * for any object; malformed text is an {@link IllegalArgumentException}.
     */
    public static DynamicTool ofJson(String name, String description, @Nullable String inputSchema, JsonHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return new DynamicTool(name, description, Json.parseHostJson(inputSchema, "inputSchema", true),
                arguments -> handler.call(Json.write(arguments == null || arguments.isMissingNode() ? Json.object() : arguments)));
    }

    /**
     * A tool whose handler gets each call ({@link Call}) with the arguments as JSON text (an object;
     * {@code {}} when codex sent none). {@code inputSchema} as in {@link #ofJson}.
     */
    public static DynamicTool ofCalls(String name, String description, @Nullable String inputSchema, CallHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return new DynamicTool(name, description, Json.parseHostJson(inputSchema, "inputSchema", true), new Handler() {
            @Override
            public Result call(JsonNode arguments) throws Exception {
                return call(new Call("", name, "", ""), arguments);
            }

            @Override
            public Result call(Call call, JsonNode arguments) throws Exception {
                return handler.call(call, Json.write(arguments == null || arguments.isMissingNode() ? Json.object() : arguments));
            }
        });
    }

    /** The input schema as JSON text. */
    public String inputSchemaJson() {
        return Json.write(inputSchema);
    }

    /** {@link #spec} as JSON text. */
    public String specJson() {
        return Json.write(spec());
    }

    /** The {@code thread/start} spec: {@code {type: "function", name, description, inputSchema}}. */
    public ObjectNode spec() {
        ObjectNode spec = Json.object().put("type", "function").put("name", name).put("description", description);
        spec.set("inputSchema", inputSchema);
        return spec;
    }
}
