package dev.codexbridge.approval.internal;

import dev.codexbridge.approval.DynamicTool;
import static dev.codexbridge.approval.internal.ParamText.orElse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.internal.ServerRequestBridge.Answer;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.DynamicToolCallOutputContentItem;
import dev.codexbridge.protocol.DynamicToolCallParams;
import dev.codexbridge.protocol.DynamicToolCallResponse;
import dev.codexbridge.protocol.ServerRequests;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The table's entry for {@code item/tool/call}: runs the session's {@link DynamicTool} off the
 * caller's thread within {@link ServerRequestBridge#DYNAMIC_TOOL_DEADLINE}. An unknown tool, a
 * failing one and a late one are all answered as an unsuccessful result, never an error.
 */
final class DynamicToolCalls {
    private static final Logger LOG = LoggerFactory.getLogger(DynamicToolCalls.class);

    private DynamicToolCalls() {
    }

    /** {@code tools}: by name. */
    static RequestEntry<DynamicToolCallParams> entry(Map<String, DynamicTool> tools) {
        return RequestEntry.answered(ServerRequests.ITEM_TOOL_CALL, p -> call(p, tools));
    }

    private static CompletableFuture<Answer> call(DynamicToolCallParams p, Map<String, DynamicTool> tools) {
        String name = orElse(p.tool(), "");
        DynamicTool tool = tools.get(name);
        if (tool == null) {
            return CompletableFuture.completedFuture(answer(DynamicTool.Result.failure("unknown tool \"" + name + "\"")));
        }
        // Handlers written against the JSON read absent arguments as a missing node, as before.
        JsonNode arguments = p.arguments() != null ? p.arguments() : Json.nodes().missingNode();
        CompletableFuture<DynamicTool.Result> result = new CompletableFuture<>();
        // host code, which may block: on the host pool
        Future<?> running = RpcThreads.host().submit(() -> {
            try {
                DynamicTool.Result r = tool.handler().call(arguments);
                result.complete(r == null ? DynamicTool.Result.failure("the tool returned nothing") : r);
            } catch (Exception e) {
                LOG.warn("dynamic tool {} failed", name, e);
                result.complete(DynamicTool.Result.failure("tool " + name + " failed: " + e.getMessage()));
            }
        });
        DynamicTool.Result late = DynamicTool.Result.failure("tool " + name + " did not answer in time");
        result.completeOnTimeout(late, ServerRequestBridge.DYNAMIC_TOOL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        // a tool still running at its deadline is interrupted: the host pool gets its thread back
        result.thenAccept(r -> {
            if (r == late) {
                running.cancel(true);
            }
        });
        return result.thenApply(DynamicToolCalls::answer);
    }

    private static Answer answer(DynamicTool.Result r) {
        List<DynamicToolCallOutputContentItem> items = new ArrayList<>();
        r.texts().forEach(t -> items.add(new DynamicToolCallOutputContentItem.InputText(t)));
        r.imageUrls().forEach(u -> items.add(new DynamicToolCallOutputContentItem.InputImage(u)));
        return new Answer(new DynamicToolCallResponse(items, r.success()), null, null, null);
    }
}
