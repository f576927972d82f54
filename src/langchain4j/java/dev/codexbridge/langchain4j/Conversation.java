package dev.codexbridge.langchain4j;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadStore;
import dev.codexbridge.session.ToolCallRelay;
import dev.codexbridge.session.ToolCallRelay.PendingCall;
import dev.codexbridge.session.ToolCallRelay.Step;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * One conversation (one memory id) on its codex thread. A chat request either starts a codex turn
 * with the new user messages, or answers the tool calls the running turn is waiting for so that
 * same turn goes on ({@link ToolCallRelay}); it returns at the next thing the framework must see:
 * codex calling the application's tools (an AI message with tool execution requests) or the
 * turn's end.
 */
final class Conversation implements AutoCloseable {
    private static final Logger LOG = SafeLogger.getLogger(Conversation.class);

    /** One request's listener and the codex work seen while it waited. */
    private record Exchange(@Nullable StreamingChatResponseHandler sink, List<TranscriptMessage> work) {
    }

    private final String key;
    private final ThreadStore store;
    private final ToolCallRelay relay;
    private final @Nullable String instructions;
    private final Set<String> toolNames;
    /** The history a thread that never saw it gets with its first turn; null once sent, or when none. */
    private @Nullable String preamble;
    private CodexSession session;
    private volatile Exchange exchange = new Exchange(null, new CopyOnWriteArrayList<>());
    /** The last request's answer; guarded by this. Only one request of a conversation waits for codex at a time. */
    private @Nullable CompletableFuture<Step> waiting;
    private final Set<String> dynamicCallIds = ConcurrentHashMap.newKeySet();

    Conversation(String key, ThreadStore store, Duration toolResultTimeout, ChatRequests.Reading first) {
        this.key = key;
        this.store = store;
        this.relay = new ToolCallRelay(toolResultTimeout, "the next chat request must carry it as a ToolExecutionResultMessage");
        this.instructions = first.instructions();
        this.toolNames = names(first);
        boolean threadKnown = store.threadId(key).isPresent();
        this.preamble = threadKnown || first.earlier() == null ? null
                : "Earlier in this conversation (for context; answer the message after it):\n" + first.earlier() + "\n\n";
    }

    /** The dynamic tools this conversation's thread starts with: one per tool of the first request. */
    List<DynamicTool> tools(ChatRequests.Reading first) {
        DynamicTool.CallHandler relayed = relay.handler();
        DynamicTool.CallHandler handler = (call, arguments) -> {
            if (!call.callId().isEmpty()) {
                dynamicCallIds.add(call.callId());      // the application's call, not codex's own work
            }
            return relayed.call(call, arguments);
        };
        List<DynamicTool> tools = new ArrayList<>();
        first.tools().forEach(spec -> tools.add(DynamicTool.ofCalls(spec.name(), spec.description() == null ? "" : spec.description(),
                spec.parameters() == null ? null : Json.write(dev.langchain4j.internal.JsonSchemaElementUtils.toMap(spec.parameters())),
                handler)));
        return tools;
    }

    void open(CodexSession session) {
        this.session = session;
        relay.attach(session);
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
        Exchange ex = new Exchange(sink, new CopyOnWriteArrayList<>());
        synchronized (this) {
            if (waiting != null && !waiting.isDone()) {
                throw new InvalidRequestException("another chat request of conversation \"" + key + "\" is still waiting for codex");
            }
            if (relay.turnRunning() && !r.hasUserInput()) {
                if (r.results().isEmpty() && !relay.awaitedCallIds().isEmpty()) {
                    throw new InvalidRequestException("codex waits for the results of tool calls " + relay.awaitedCallIds()
                            + "; the request carries none");
                }
                exchange = ex;
                next = relay.resume(results(r));        // results for calls still shown stay pending for a later request
            } else if (r.hasUserInput()) {
                exchange = ex;
                relay.answer(results(r));               // a running turn gets them before it is given up for the new input
                String sent = preamble;
                preamble = null;
                next = relay.start(r.turnInput(sent), r.options(), new Listener());
            } else {
                throw new InvalidRequestException(r.results().isEmpty()
                        ? "nothing new for codex: the request's last message is codex's own answer"
                        : "the request answers tool calls no codex turn of conversation \"" + key + "\" waits for "
                                + "(the model was closed or restarted, or the turn ended)");
            }
            waiting = next;
        }
        return next.thenApply(step -> respond(step, ex));
    }

    private static Map<String, DynamicTool.Result> results(ChatRequests.Reading r) {
        Map<String, DynamicTool.Result> results = new LinkedHashMap<>();
        for (ToolExecutionResultMessage result : r.results()) {
            boolean failed = Boolean.TRUE.equals(result.isError());
            results.put(result.id(), new DynamicTool.Result(List.of(result.text() == null ? "" : result.text()), List.of(), !failed));
        }
        return results;
    }

    private ChatResponse respond(Step step, Exchange ex) {
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
        relay.close();
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
