package dev.codexbridge.langchain4j;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadStore;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.tool.DynamicTool;
import dev.codexbridge.transcript.CodexWork;
import dev.codexbridge.transcript.TranscriptMessage;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * One conversation (one memory id) on its codex thread. A chat request either starts a codex turn
 * with the new user messages, or answers the tool calls the running turn is waiting for so that
 * same turn goes on; it returns at the next thing the framework must see: codex calling the
 * application's tools (an AI message with tool execution requests) or the turn's end.
 *
 * <p>Codex calls a tool on the library's host pool; that call waits here, bounded by
 * {@code toolResultTimeout}, until a later request brings the application's result.
 */
final class Conversation implements AutoCloseable {
    private static final Logger LOG = SafeLogger.getLogger(Conversation.class);

    /** A tool call codex made, waiting for the application's result. */
    record PendingCall(String callId, String tool, String arguments, String threadId, String turnId,
                       CompletableFuture<DynamicTool.Result> result) {
    }

    /** What a request returns at: tool calls for the application, or the turn's end. */
    private sealed interface Step {
        record Calls(List<PendingCall> calls) implements Step {
        }

        record Ended(@Nullable TurnResult result, @Nullable Throwable error) implements Step {
        }
    }

    /** One request's listener and the codex work seen while it waited. */
    private record Exchange(@Nullable StreamingChatResponseHandler sink, List<TranscriptMessage> work) {
    }

    private final String key;
    private final ThreadStore store;
    private final Duration toolResultTimeout;
    private final @Nullable String instructions;
    private final Set<String> toolNames;
    /** The history a thread that never saw it gets with its first turn; null once sent, or when none. */
    private @Nullable String preamble;
    private CodexSession session;

    // guarded by this
    private final ArrayDeque<PendingCall> called = new ArrayDeque<>();
    private final Map<String, PendingCall> shown = new LinkedHashMap<>();
    private @Nullable CompletableFuture<TurnResult> turn;
    private Step.@Nullable Ended end;
    private @Nullable CompletableFuture<Step> waiter;
    private volatile Exchange exchange = new Exchange(null, new CopyOnWriteArrayList<>());
    private final Set<String> dynamicCallIds = java.util.concurrent.ConcurrentHashMap.newKeySet();

    Conversation(String key, ThreadStore store, Duration toolResultTimeout, ChatRequests.Reading first) {
        this.key = key;
        this.store = store;
        this.toolResultTimeout = toolResultTimeout;
        this.instructions = first.instructions();
        this.toolNames = names(first);
        boolean threadKnown = store.threadId(key).isPresent();
        this.preamble = threadKnown || first.earlier() == null ? null
                : "Earlier in this conversation (for context; answer the message after it):\n" + first.earlier() + "\n\n";
    }

    /** The dynamic tools this conversation's thread starts with: one per tool of the first request. */
    List<DynamicTool> tools(ChatRequests.Reading first) {
        List<DynamicTool> tools = new ArrayList<>();
        first.tools().forEach(spec -> tools.add(DynamicTool.ofCalls(spec.name(), spec.description() == null ? "" : spec.description(),
                spec.parameters() == null ? null : Json.write(dev.langchain4j.internal.JsonSchemaElementUtils.toMap(spec.parameters())),
                this::awaitResult)));
        return tools;
    }

    void open(CodexSession session) {
        this.session = session;
    }

    String key() {
        return key;
    }

    CodexSession session() {
        return session;
    }

    /** Refuses what codex cannot change on a running thread: its instructions and its tools. */
    void checkSameThread(ChatRequests.Reading r) {
        if (!java.util.Objects.equals(instructions, r.instructions())) {
            throw new dev.langchain4j.exception.UnsupportedFeatureException("the system message of conversation \"" + key
                    + "\" changed; codex keeps the one its thread started with (use another memory id for other instructions)");
        }
        if (!toolNames.equals(names(r))) {
            throw new dev.langchain4j.exception.UnsupportedFeatureException("the tools of conversation \"" + key + "\" changed ("
                    + toolNames + " -> " + names(r) + "); codex registers a thread's tools when the thread starts");
        }
    }

    private static Set<String> names(ChatRequests.Reading r) {
        Set<String> names = new HashSet<>();
        r.tools().forEach(t -> names.add(t.name()));
        return names;
    }

    /** Runs one request; the future completes when the framework has something to see. */
    CompletableFuture<ChatResponse> exchange(ChatRequests.Reading r, @Nullable StreamingChatResponseHandler sink) {
        CompletableFuture<Step> next;
        synchronized (this) {
            if (waiter != null && !waiter.isDone()) {
                throw new InvalidRequestException("another chat request of conversation \"" + key + "\" is still waiting for codex");
            }
            exchange = new Exchange(sink, new CopyOnWriteArrayList<>());
            if (turn != null) {
                answer(r);
            } else if (r.hasUserInput()) {
                startTurn(r);
            } else {
                throw new InvalidRequestException(r.results().isEmpty()
                        ? "nothing new for codex: the request's last message is codex's own answer"
                        : "the request answers tool calls no codex turn of conversation \"" + key + "\" waits for "
                                + "(the model was closed or restarted, or the turn ended)");
            }
            next = new CompletableFuture<>();
            Step ready = ready();
            if (ready != null) {
                next.complete(ready);
            } else {
                waiter = next;
            }
        }
        return next.thenApply(this::respond);
    }

    /** The running turn waits for tool results: hand them to codex, or give the turn up for new user input. */
    private void answer(ChatRequests.Reading r) {
        for (ToolExecutionResultMessage result : r.results()) {
            PendingCall call = shown.remove(result.id());
            if (call != null) {
                boolean failed = Boolean.TRUE.equals(result.isError());
                call.result().complete(new DynamicTool.Result(List.of(result.text() == null ? "" : result.text()), List.of(), !failed));
            }
        }
        if (!r.hasUserInput()) {
            if (!shown.isEmpty() && r.results().isEmpty()) {
                throw new InvalidRequestException("codex waits for the results of tool calls " + shown.keySet()
                        + "; the request carries none");
            }
            return;     // results for calls still shown stay pending: a later request may bring them
        }
        // the application moved on without answering: the codex turn cannot go on, a new one starts after it ends
        shown.values().forEach(c -> c.result().complete(DynamicTool.Result.failure("the application did not run this tool")));
        called.forEach(c -> c.result().complete(DynamicTool.Result.failure("the application did not run this tool")));
        shown.clear();
        called.clear();
        CompletableFuture<TurnResult> old = turn;
        turn = null;
        end = null;
        session.interrupt();
        CompletableFuture<TurnResult> placeholder = new CompletableFuture<>();
        turn = placeholder;
        old.handle((x, e) -> null).thenRun(() -> {
            Consumer<Void> wake = x -> { };
            synchronized (this) {
                if (turn == placeholder) {
                    try {
                        startTurn(r);
                    } catch (RuntimeException e) {
                        turn = null;        // the waiting request learns it rather than wait forever
                        end = new Step.Ended(null, e);
                        wake = wakeLocked();
                    }
                }
            }
            wake.accept(null);
        });
    }

    private void startTurn(ChatRequests.Reading r) {
        TurnInput input = r.turnInput(preamble);
        preamble = null;
        CompletableFuture<TurnResult> started = session.runTurnAsync(input, r.options(), new Listener());
        turn = started;
        started.whenComplete((result, error) -> ended(started, result, error));
    }

    private void ended(CompletableFuture<TurnResult> which, @Nullable TurnResult result, @Nullable Throwable error) {
        Consumer<Void> wake;
        synchronized (this) {
            if (which != turn) {
                return;     // a turn given up for new input
            }
            end = new Step.Ended(result, error);
            called.forEach(c -> c.result().complete(DynamicTool.Result.failure("the codex turn ended")));
            called.clear();
            wake = wakeLocked();
        }
        wake.accept(null);
    }

    /** Codex called one of the application's tools: show it to the framework and wait for its result. */
    private DynamicTool.Result awaitResult(DynamicTool.Call call, String args) throws InterruptedException {
        String id = call.callId().isEmpty() ? "codex-" + UUID.randomUUID() : call.callId();
        PendingCall pending = new PendingCall(id, call.tool(), args, call.threadId(), call.turnId(), new CompletableFuture<>());
        dynamicCallIds.add(id);
        Consumer<Void> wake;
        synchronized (this) {
            called.add(pending);
            wake = wakeLocked();
        }
        wake.accept(null);
        try {
            return pending.result().get(toolResultTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return DynamicTool.Result.failure("the application did not send the result of tool " + call.tool() + " (call " + id
                    + ") within " + toolResultTimeout + ": the next chat request must carry it as a ToolExecutionResultMessage");
        } catch (ExecutionException e) {
            return DynamicTool.Result.failure("tool " + call.tool() + " failed: " + e.getCause());
        } finally {
            synchronized (this) {
                called.remove(pending);
                shown.remove(id);
            }
        }
    }

    /** Completes the waiting request, if any and if there is something for it, outside the lock. */
    private Consumer<Void> wakeLocked() {
        if (waiter == null || waiter.isDone()) {
            return x -> { };
        }
        Step ready = ready();
        if (ready == null) {
            return x -> { };
        }
        CompletableFuture<Step> w = waiter;
        waiter = null;
        return x -> w.complete(ready);
    }

    private @Nullable Step ready() {
        if (!called.isEmpty()) {
            List<PendingCall> calls = new ArrayList<>(called);
            called.clear();
            calls.forEach(c -> shown.put(c.callId(), c));
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

    private ChatResponse respond(Step step) {
        Exchange ex = exchange;
        if (step instanceof Step.Calls calls) {
            List<ToolExecutionRequest> requests = calls.calls().stream()
                    .map(c -> ToolExecutionRequest.builder().id(c.callId()).name(c.tool()).arguments(c.arguments()).build()).toList();
            PendingCall first = calls.calls().get(0);
            return ChatResponse.builder().aiMessage(AiMessage.from(requests))
                    .metadata(CodexChatResponseMetadata.builder().threadId(blankToNull(first.threadId()))
                            .turnId(blankToNull(first.turnId())).work(ex.work()).finishReason(FinishReason.TOOL_EXECUTION).build())
                    .build();
        }
        Step.Ended ended = (Step.Ended) step;
        if (ended.error() != null) {
            throw Failures.of(ended.error());
        }
        TurnResult r = ended.result();
        if (r.threadId() != null) {
            store.put(key, r.threadId());
        }
        if (!r.completed()) {
            throw Failures.of(r);
        }
        String thinking = CodexWork.text(ex.work());
        AiMessage message = AiMessage.builder().text(r.finalText() == null ? "" : r.finalText())
                .thinking(thinking.isEmpty() ? null : thinking).build();
        CodexChatResponseMetadata.Builder meta = CodexChatResponseMetadata.builder().threadId(r.threadId()).turnId(r.turnId())
                .outcome(r.status()).work(ex.work()).finishReason(FinishReason.STOP).id(r.turnId());
        if (r.tokenUsage() != null) {
            var last = r.tokenUsage().last();
            meta.tokenUsage(new TokenUsage((int) last.inputTokens(), (int) last.outputTokens()));
        }
        return ChatResponse.builder().aiMessage(message).metadata(meta.build()).build();
    }

    private static @Nullable String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    void interrupt() {
        session.interrupt();
    }

    @Override
    public void close() {
        synchronized (this) {
            shown.values().forEach(c -> c.result().complete(DynamicTool.Result.failure("the chat model was closed")));
            called.forEach(c -> c.result().complete(DynamicTool.Result.failure("the chat model was closed")));
            shown.clear();
            called.clear();
        }
        session.close();
    }

    /** The application's streaming handler throwing must not disturb the turn. */
    private static void safely(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("the streaming handler threw", e);
        }
    }

    /** The turn's events: the answer and codex's work to the current request's listener, work into its metadata. */
    private final class Listener implements TurnListener {
        @Override
        public void onAgentMessageDelta(String itemId, String delta) {
            StreamingChatResponseHandler sink = exchange.sink();
            if (sink != null) {
                safely(() -> sink.onPartialResponse(delta));
            }
        }

        @Override
        public void onReasoningDelta(String itemId, String delta, boolean summary) {
            StreamingChatResponseHandler sink = exchange.sink();
            if (sink != null) {
                safely(() -> sink.onPartialThinking(new PartialThinking(delta)));
            }
        }

        @Override
        public void onTranscript(List<TranscriptMessage> messages) {
            Exchange ex = exchange;
            for (TranscriptMessage m : messages) {
                if (!CodexWork.isWork(m, dynamicCallIds)) {
                    continue;
                }
                ex.work().add(m);
                if (ex.sink() != null) {
                    String line = CodexWork.line(m) + "\n";
                    safely(() -> ex.sink().onPartialThinking(new PartialThinking(line)));
                }
            }
        }
    }
}
