package dev.codexbridge.session;

import dev.codexbridge.tool.DynamicTool;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A codex turn whose dynamic tool calls are handed out to the caller and answered by the caller's
 * next request, so that the same turn goes on: the bridge a chat-model adapter needs when its
 * framework runs the tools between two calls of the model (Spring AI's tool-calling advisor,
 * LangChain4j's AiServices).
 *
 * <p>Give {@link #handler()} to every dynamic tool of the session, {@link #attach} the session,
 * then each request is {@link #start} (new user input) or {@link #resume} (tool results). Either
 * returns the next thing the caller must see: the tool calls codex made ({@link Step.Calls}) or
 * the turn's end ({@link Step.Ended}). A tool call waits on the library's host pool, bounded by
 * the result timeout; unanswered, it fails and codex goes on without it.
 */
public final class ToolCallRelay implements AutoCloseable {

    /** A tool call codex made; {@code arguments} is a JSON object as text. */
    public record PendingCall(String callId, String tool, String arguments, String threadId, String turnId) {
    }

    /** What a request returns at. */
    public sealed interface Step {
        /** Codex called the caller's tools; the turn waits for their results. */
        record Calls(List<PendingCall> calls) implements Step {
            public Calls {
                calls = List.copyOf(calls);
            }
        }

        /** The turn ended with {@code result}, or failed to run with {@code error}. */
        record Ended(@Nullable TurnResult result, @Nullable Throwable error) implements Step {
        }
    }

    private record Waiting(PendingCall call, CompletableFuture<DynamicTool.Result> result) {
    }

    private final Duration resultTimeout;
    private final String lateAdvice;
    private volatile @Nullable CodexSession session;

    // guarded by this
    private final ArrayDeque<Waiting> called = new ArrayDeque<>();          // made, not yet handed out
    private final Map<String, Waiting> shown = new LinkedHashMap<>();       // handed out, awaiting a result
    private @Nullable CompletableFuture<TurnResult> turn;
    private Step.@Nullable Ended end;
    private @Nullable CompletableFuture<Step> waiter;

    /** {@code resultTimeout}: how long a call waits for its result; keep it under the library's 10-minute tool deadline. */
    public ToolCallRelay(Duration resultTimeout) {
        this(resultTimeout, "");
    }

    /**
     * {@code lateAdvice}: what a call whose result did not come in time tells codex after the
     * timeout, such as how the framework's next request must carry a result ("" for nothing).
     */
    public ToolCallRelay(Duration resultTimeout, String lateAdvice) {
        if (resultTimeout.isNegative() || resultTimeout.isZero()) {
            throw new IllegalArgumentException("resultTimeout must be positive: " + resultTimeout);
        }
        this.resultTimeout = resultTimeout;
        this.lateAdvice = Objects.requireNonNull(lateAdvice, "lateAdvice");
    }

    /** The handler of every tool this relay hands out. */
    public DynamicTool.CallHandler handler() {
        return this::await;
    }

    public void attach(CodexSession session) {
        this.session = Objects.requireNonNull(session, "session");
    }

    /** Whether a turn runs (or waits for tool results) right now. */
    public synchronized boolean turnRunning() {
        return turn != null;
    }

    /** The ids of the calls handed out and not answered yet. */
    public synchronized Set<String> awaitedCallIds() {
        return Set.copyOf(shown.keySet());
    }

    /**
     * Starts a turn with new input. A turn still waiting for tool results is given up first (its
     * calls fail, it is interrupted) and the new one starts once it has ended.
     */
    public CompletableFuture<Step> start(TurnInput input, @Nullable TurnOptions options, @Nullable TurnListener listener) {
        synchronized (this) {
            checkNoWaiter();
            if (turn == null) {
                begin(input, options, listener);
            } else {
                failAll("the caller sent new input instead of this tool's result");
                CompletableFuture<TurnResult> old = turn;
                CompletableFuture<TurnResult> placeholder = new CompletableFuture<>();
                turn = placeholder;
                end = null;
                requireSession().interrupt();
                old.handle((x, e) -> null).thenRun(() -> {
                    Runnable wake = () -> { };
                    synchronized (this) {
                        if (turn == placeholder) {
                            try {
                                begin(input, options, listener);
                            } catch (RuntimeException e) {
                                turn = null;        // the waiting request learns it rather than wait forever
                                end = new Step.Ended(null, e);
                                wake = wakeLocked();
                            }
                        }
                    }
                    wake.run();
                });
            }
            return next();
        }
    }

    /**
     * Answers the handed-out calls in {@code results} (by call id; unknown ids are ignored) and
     * lets the turn go on. Calls not answered stay pending for a later request.
     *
     * @throws IllegalStateException when no turn runs, or when calls wait and {@code results} is empty
     */
    public CompletableFuture<Step> resume(Map<String, DynamicTool.Result> results) {
        synchronized (this) {
            checkNoWaiter();
            if (turn == null) {
                throw new IllegalStateException("no codex turn waits for tool results (the model was closed or restarted, "
                        + "or the turn ended)");
            }
            if (results.isEmpty() && !shown.isEmpty()) {
                throw new IllegalStateException("codex waits for the results of tool calls " + shown.keySet()
                        + "; the request carries none");
            }
            answer(results);
            return next();
        }
    }

    /**
     * Answers the handed-out calls in {@code results} (by call id; unknown ids are ignored) without
     * waiting for what comes next: for a request that brings results and new input at once, before
     * it {@link #start}s the new turn.
     */
    public synchronized void answer(Map<String, DynamicTool.Result> results) {
        results.forEach((id, result) -> {
            Waiting w = shown.remove(id);
            if (w != null) {
                w.result().complete(result);
            }
        });
    }

    private void begin(TurnInput input, @Nullable TurnOptions options, @Nullable TurnListener listener) {
        CompletableFuture<TurnResult> started = requireSession().runTurnAsync(input, options, listener);
        turn = started;
        started.whenComplete((result, error) -> ended(started, result, error));
    }

    private CompletableFuture<Step> next() {
        CompletableFuture<Step> next = new CompletableFuture<>();
        Step ready = ready();
        if (ready != null) {
            next.complete(ready);
        } else {
            waiter = next;
        }
        return next;
    }

    private void checkNoWaiter() {
        if (waiter != null && !waiter.isDone()) {
            throw new IllegalStateException("another request of this conversation is still waiting for codex");
        }
    }

    private CodexSession requireSession() {
        CodexSession s = session;
        if (s == null) {
            throw new IllegalStateException("attach(session) first");
        }
        return s;
    }

    private void ended(CompletableFuture<TurnResult> which, @Nullable TurnResult result, @Nullable Throwable error) {
        Runnable wake;
        synchronized (this) {
            if (which != turn) {
                return;     // a turn given up for new input
            }
            end = new Step.Ended(result, error);
            called.forEach(w -> w.result().complete(DynamicTool.Result.failure("the codex turn ended")));
            called.clear();
            wake = wakeLocked();
        }
        wake.run();
    }

    /** Codex called a tool: hand the call out and wait for its result. */
    private DynamicTool.Result await(DynamicTool.Call call, String arguments) throws InterruptedException {
        String id = call.callId().isEmpty() ? "codex-" + UUID.randomUUID() : call.callId();
        String args = arguments == null || arguments.isBlank() || "null".equals(arguments) ? "{}" : arguments;
        Waiting waiting = new Waiting(new PendingCall(id, call.tool(), args, call.threadId(), call.turnId()), new CompletableFuture<>());
        Runnable wake;
        synchronized (this) {
            called.add(waiting);
            wake = wakeLocked();
        }
        wake.run();
        try {
            return waiting.result().get(resultTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return DynamicTool.Result.failure("the caller did not send the result of tool " + call.tool() + " (call " + id
                    + ") within " + resultTimeout + (lateAdvice.isEmpty() ? "" : ": " + lateAdvice));
        } catch (ExecutionException e) {
            return DynamicTool.Result.failure("tool " + call.tool() + " failed: " + e.getCause());
        } finally {
            synchronized (this) {
                called.remove(waiting);
                shown.remove(id);
            }
        }
    }

    /** Completes the waiting request, if any and if there is something for it; run the result outside the lock. */
    private Runnable wakeLocked() {
        if (waiter == null || waiter.isDone()) {
            return () -> { };
        }
        Step ready = ready();
        if (ready == null) {
            return () -> { };
        }
        CompletableFuture<Step> w = waiter;
        waiter = null;
        return () -> w.complete(ready);
    }

    private @Nullable Step ready() {
        if (!called.isEmpty()) {
            List<PendingCall> calls = new ArrayList<>();
            for (Waiting w : called) {
                shown.put(w.call().callId(), w);
                calls.add(w.call());
            }
            called.clear();
            return new Step.Calls(calls);
        }
        if (end != null) {
            Step s = end;
            end = null;
            turn = null;
            return s;
        }
        return null;
    }

    private void failAll(String why) {
        shown.values().forEach(w -> w.result().complete(DynamicTool.Result.failure(why)));
        called.forEach(w -> w.result().complete(DynamicTool.Result.failure(why)));
        shown.clear();
        called.clear();
    }

    /** Fails every pending call, so codex's turn does not wait for results that will not come. */
    @Override
    public synchronized void close() {
        failAll("the chat model was closed");
        if (waiter != null) {
            waiter.complete(new Step.Ended(null, new IllegalStateException("the chat model was closed")));
            waiter = null;
        }
    }
}
