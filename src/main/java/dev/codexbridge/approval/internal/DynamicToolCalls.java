package dev.codexbridge.approval.internal;

import dev.codexbridge.tool.DynamicTool;
import static dev.codexbridge.approval.internal.ParamText.orElse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.internal.ServerRequestBridge.Answer;
import dev.codexbridge.internal.SafeLogger;
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
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The table's entry for {@code item/tool/call}: runs the session's {@link DynamicTool} off the
 * caller's thread (on the host pool) within {@link ServerRequestBridge#DYNAMIC_TOOL_DEADLINE}. An unknown tool, a
 * failing one and a late one are all answered as an unsuccessful result, never an error.
 *
 * <p>Cancelling the answer withdraws the call: a tool not yet started is not run, and one still
 * running is interrupted ({@link Thread#interrupt()}, the way a synchronous handler learns it is
 * no longer wanted); what it returns is dropped. A tool still running at its deadline is
 * interrupted the same way.
 */
final class DynamicToolCalls {
    private static final Logger LOG = SafeLogger.getLogger(DynamicToolCalls.class);

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
        DynamicTool.Call call = new DynamicTool.Call(orElse(p.callId(), ""), name, orElse(p.threadId(), ""), orElse(p.turnId(), ""));
        ToolRun run = new ToolRun(tool, call, arguments);
        // host code, which may block: on the host pool, never on a thread a turn or the reader needs
        RpcThreads.host().execute(run);
        run.result.completeOnTimeout(run.late, ServerRequestBridge.DYNAMIC_TOOL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        return CancelPropagation.from(run.result.thenApply(DynamicToolCalls::answer), run.result);
    }

    /**
     * One call of a tool on a pool thread. The runner is interrupted only while the tool runs,
     * and its interrupt flag is cleared before the thread goes back to the pool (both under this
     * object's lock), so a cancellation never reaches another task.
     */
    private static final class ToolRun implements Runnable {
        final CompletableFuture<DynamicTool.Result> result = new CompletableFuture<>();
        /** The answer at the deadline; a tool still running then is interrupted too. */
        final DynamicTool.Result late;
        private final DynamicTool tool;
        private final String name;
        private final DynamicTool.Call call;
        private final JsonNode arguments;
        private Thread runner;

        ToolRun(DynamicTool tool, DynamicTool.Call call, JsonNode arguments) {
            this.tool = tool;
            this.name = call.tool();
            this.call = call;
            this.arguments = arguments;
            this.late = DynamicTool.Result.failure("tool " + name + " did not answer in time");
            // withdrawn or late: the host pool gets its thread back
            result.whenComplete((r, e) -> {
                if (result.isCancelled() || r == late) {
                    interruptRunner();
                }
            });
        }

        @Override
        public void run() {
            synchronized (this) {
                if (result.isDone()) {
                    return;     // withdrawn (or timed out) before it started
                }
                runner = Thread.currentThread();
            }
            try {
                DynamicTool.Result r = tool.handler().call(call, arguments);
                result.complete(r == null ? DynamicTool.Result.failure("the tool returned nothing") : r);
            } catch (Exception e) {
                if (!result.isCancelled()) {
                    LOG.warn("dynamic tool {} failed", name, e);
                }
                result.complete(DynamicTool.Result.failure("tool " + name + " failed: " + e.getMessage()));
            } catch (Error e) {
                result.completeExceptionally(e);    // answered with an error by the bridge
                throw e;
            } finally {
                synchronized (this) {
                    runner = null;
                    Thread.interrupted();
                }
            }
        }

        private synchronized void interruptRunner() {
            if (runner != null) {
                runner.interrupt();
            }
        }
    }

    private static Answer answer(DynamicTool.Result r) {
        List<DynamicToolCallOutputContentItem> items = new ArrayList<>();
        r.texts().forEach(t -> items.add(new DynamicToolCallOutputContentItem.InputText(t)));
        r.imageUrls().forEach(u -> items.add(new DynamicToolCallOutputContentItem.InputImage(u)));
        return new Answer(new DynamicToolCallResponse(items, r.success()), null, null, null);
    }
}
