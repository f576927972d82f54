package dev.codexbridge.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.callers.Resends;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.SendKey;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The {@code codex} and {@code codex-reply} calls a client sends with an idempotency key in the
 * request's {@code _meta} ({@value #META_KEY}; decision 0117; docs/mcp.md, "Sending again"): the
 * first call with a key runs and its result is kept ({@link Resends}); a copy of it (the same key,
 * tool and arguments, from the same principal) is answered with that result and never runs a
 * second turn. A call refused before codex was asked, or one codex never received, keeps nothing:
 * a copy runs it.
 */
final class KeyedCalls {
    /** Where the key goes: the request's {@code _meta}, under a name of this server's own, as MCP asks of {@code _meta} keys. */
    static final String META_KEY = "dev.codexbridge/idempotencyKey";
    static final String SCOPE = "mcp";

    private final Supplier<Resends> resends;
    /** Whether the door stops: a copy's wait for the first's answer then ends "send again later", before the process exits. */
    private final java.util.function.BooleanSupplier stopping;

    KeyedCalls(Supplier<Resends> resends, java.util.function.BooleanSupplier stopping) {
        this.resends = resends;
        this.stopping = stopping;
    }

    /**
     * {@code run}'s result for {@code principal}'s call of {@code tool}: run it when the call has
     * no key or is its key's first; a copy's, the first's. {@code run} says through its flag
     * whether codex was asked (and received it).
     */
    McpSchema.CallToolResult call(String principal, String tool, McpSchema.CallToolRequest request,
            Function<AtomicBoolean, McpSchema.CallToolResult> run) {
        AtomicBoolean ran = new AtomicBoolean();
        Object given = request.meta() == null ? null : request.meta().get(META_KEY);
        if (given == null) {
            return run.apply(ran);
        }
        if (!(given instanceof String key) || !SendKey.validKey(key)) {
            return ToolResults.refused("_meta." + META_KEY + " is 1 to " + SendKey.MAX_KEY_CHARS + " printable ASCII characters; "
                    + "nothing was run");
        }
        Resends.Send send;
        try {
            send = resends.get().begin(new SendKey(SCOPE, principal, key), fingerprint(tool, request.arguments()),
                    () -> encode(ToolResults.refused("whether codex ran the call first sent with this idempotency key is unknown: the "
                            + "server that ran it stopped while codex ran it, and it is not run again; read the conversation "
                            + "(codex-transcript), and send a new call with a new key")), stopping);
        } catch (Resends.Mismatch | Resends.StillRunning e) {
            return ToolResults.refused(e.getMessage());
        } catch (McpCallException e) {
            return ToolResults.refused(e.getMessage());
        } catch (CodexException e) {
            return ToolResults.refused("the conversation store did not answer; nothing was run: send this again");
        }
        if (send.answer() != null) {
            return decode(send.answer());
        }
        try (send) {
            McpSchema.CallToolResult r = run.apply(ran);
            if (ran.get()) {
                send.answered(encode(r), () -> encode(ToolResults.refused("the call first sent with this idempotency key ran, but its "
                        + "result was too large to keep for its copies: read it from the conversation (codex-transcript)")));
            } else {
                send.notRun();
            }
            return r;
        }
    }

    /** What a copy must match: the tool and its arguments, each object's members in order. */
    static String fingerprint(String tool, @Nullable Map<String, Object> arguments) {
        return Resends.fingerprint(tool, arguments == null ? Json.object() : Json.tree(arguments));
    }

    /** A result as kept: what this server's results hold, its texts, structured content and whether it is an error. */
    static String encode(McpSchema.CallToolResult r) {
        ObjectNode o = Json.object().put("isError", Boolean.TRUE.equals(r.isError()));
        ArrayNode texts = o.putArray("texts");
        if (r.content() != null) {
            r.content().stream().filter(McpSchema.TextContent.class::isInstance).map(c -> ((McpSchema.TextContent) c).text())
                    .forEach(texts::add);
        }
        if (r.structuredContent() != null) {
            o.set("structuredContent", Json.tree(r.structuredContent()));
        }
        return Json.write(o);
    }

    static McpSchema.CallToolResult decode(String kept) {
        JsonNode o = Json.parse(kept);
        List<McpSchema.Content> content = new ArrayList<>();
        o.path("texts").forEach(t -> content.add(new McpSchema.TextContent(t.asText())));
        McpSchema.CallToolResult.Builder b = McpSchema.CallToolResult.builder().content(content).isError(o.path("isError").asBoolean());
        if (o.hasNonNull("structuredContent")) {
            b.structuredContent(Json.convert(o.path("structuredContent"), Object.class));
        }
        return b.build();
    }
}
