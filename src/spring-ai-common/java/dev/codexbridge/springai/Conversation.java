package dev.codexbridge.springai;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.protocol.AskForApproval;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadStore;
import dev.codexbridge.session.ToolCallRelay;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.tool.DynamicTool;
import dev.codexbridge.transcript.CodexWork;
import dev.codexbridge.transcript.TranscriptMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;

/**
 * One conversation (one conversation id) on its codex thread. A prompt either starts a codex turn
 * with the new user messages, or answers the tool calls the running turn waits for, so that same
 * turn goes on ({@link ToolCallRelay}); it returns at the next thing Spring AI must see: codex
 * calling the application's tools (an assistant message with tool calls, which ChatClient's
 * tool-calling advisor runs) or the turn's end.
 */
final class Conversation implements AutoCloseable {
    private static final Logger LOG = SafeLogger.getLogger(Conversation.class);
    static final String FINISH_TOOL_CALLS = "TOOL_CALLS";
    static final String FINISH_STOP = "STOP";

    /**
     * Runs a tool inside the model, for a Spring AI generation whose models run tools themselves
     * (1.1); a null result hands the call out instead, as 2.0 always does.
     */
    interface ToolRunner {
        DynamicTool.@Nullable Result run(Prompt prompt, DynamicTool.Call call, String arguments) throws Exception;
    }

    /** What a streaming request is told as the turn goes: the answer's text, piece by piece. */
    interface Sink {
        void text(String delta);
    }

    /** One request's sink and what it saw: codex's work, and the answer streamed so far. */
    private static final class Exchange {
        final @Nullable Prompt prompt;
        final @Nullable Sink sink;
        final List<TranscriptMessage> work = new CopyOnWriteArrayList<>();
        final StringBuilder streamed = new StringBuilder();
        @Nullable String item;
        final StringBuilder itemText = new StringBuilder();

        Exchange(@Nullable Prompt prompt, @Nullable Sink sink) {
            this.prompt = prompt;
            this.sink = sink;
        }
    }

    private final String key;
    private final ThreadStore store;
    private final @Nullable String instructions;
    private final Set<String> toolNames;
    private final ToolCallRelay relay;
    private final @Nullable ToolRunner runner;
    private final Set<String> dynamicCallIds = ConcurrentHashMap.newKeySet();
    /** The history a thread that never saw it gets with its first turn; null once sent, or when none. */
    private @Nullable String preamble;
    private CodexSession session;
    private volatile Exchange exchange = new Exchange(null, null);

    Conversation(String key, ThreadStore store, Duration toolResultTimeout, Prompts.Reading first, @Nullable ToolRunner runner) {
        this.key = key;
        this.runner = runner;
        this.store = store;
        this.relay = new ToolCallRelay(toolResultTimeout);
        this.instructions = first.instructions();
        this.toolNames = names(first);
        boolean threadKnown = store.threadId(key).isPresent();
        this.preamble = threadKnown || first.earlier() == null ? null
                : "Earlier in this conversation (for context; answer the message after it):\n" + first.earlier() + "\n\n";
    }

    /** This conversation's side of its session: the thread's instructions and one dynamic tool per tool callback. */
    Consumer<CodexSession.Builder> sessionSettings(Prompts.Reading first) {
        DynamicTool.CallHandler relayed = relay.handler();
        DynamicTool.CallHandler handler = (call, arguments) -> {
            Exchange ex = exchange;
            if (runner != null && ex.prompt != null) {
                String args = arguments == null || arguments.isBlank() || "null".equals(arguments) ? "{}" : arguments;
                DynamicTool.Result ran = runner.run(ex.prompt, call, args);
                if (ran != null) {
                    return ran;
                }
            }
            return relayed.call(call, arguments);
        };
        List<DynamicTool> tools = new ArrayList<>();
        for (ToolCallback callback : first.tools()) {
            ToolDefinition d = callback.getToolDefinition();
            tools.add(DynamicTool.ofCalls(d.name(), d.description() == null ? "" : d.description(),
                    d.inputSchema() == null || d.inputSchema().isBlank() ? null : d.inputSchema(), handler));
        }
        return b -> {
            if (instructions != null) {
                b.adjustThread(t -> t.toBuilder().developerInstructions(instructions).build());
            }
            // the application's policy answers only what codex asks: under a codex home's approval_policy = "never" (or
            // "on-request", inside the sandbox) commands run unasked, so a thread left to codex's config asks about every one
            b.adjustThread(t -> t.askForApproval() != null ? t : t.toBuilder().askForApproval(AskForApproval.UNTRUSTED).build());
            tools.forEach(b::dynamicTool);
        };
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
    void checkSameThread(Prompts.Reading r) {
        if (!Objects.equals(instructions, r.instructions())) {
            throw new CodexPromptException("the system message of conversation \"" + key + "\" changed; codex keeps the one "
                    + "its thread started with (use another conversation id for other instructions)");
        }
        if (!toolNames.equals(names(r))) {
            throw new CodexPromptException("the tools of conversation \"" + key + "\" changed (" + toolNames + " -> " + names(r)
                    + "); codex registers a thread's tools when the thread starts (use another conversation id)");
        }
    }

    private static Set<String> names(Prompts.Reading r) {
        Set<String> names = new TreeSet<>();
        r.tools().forEach(t -> names.add(t.getToolDefinition().name()));
        return names;
    }

    /** Runs one prompt; the future completes when Spring AI has something to see. */
    CompletableFuture<ChatResponse> exchange(Prompt prompt, Prompts.Reading r, @Nullable Sink sink) {
        CompletableFuture<ToolCallRelay.Step> next;
        Exchange ex = new Exchange(prompt, sink);
        synchronized (this) {
            if (relay.turnRunning() && !r.hasUserInput()) {
                if (r.results().isEmpty()) {
                    throw new CodexPromptException("codex waits for the results of tool calls " + relay.awaitedCallIds()
                            + "; the prompt carries none");
                }
                Map<String, DynamicTool.Result> results = new LinkedHashMap<>();
                r.results().forEach(t -> results.put(t.id(), DynamicTool.Result.text(t.responseData() == null ? "" : t.responseData())));
                exchange = ex;
                next = relay.resume(results);
            } else if (r.hasUserInput()) {
                exchange = ex;
                next = relay.start(r.turnInput(preamble), r.options(), new Listener());
                preamble = null;
            } else {
                throw new CodexPromptException(r.results().isEmpty()
                        ? "nothing new for codex: the prompt has no user message after codex's last answer"
                        : "the prompt answers tool calls no codex turn of conversation \"" + key + "\" waits for "
                                + "(the model was closed or restarted, or the turn ended)");
            }
        }
        return next.thenApply(step -> respond(step, ex));
    }

    private ChatResponse respond(ToolCallRelay.Step step, Exchange ex) {
        if (step instanceof ToolCallRelay.Step.Calls calls) {
            List<AssistantMessage.ToolCall> toolCalls = calls.calls().stream()
                    .map(c -> new AssistantMessage.ToolCall(c.callId(), "function", c.tool(), c.arguments())).toList();
            ToolCallRelay.PendingCall first = calls.calls().get(0);
            if (!first.threadId().isEmpty()) {
                store.put(key, first.threadId());
            }
            AssistantMessage message = AssistantMessage.builder().content("").toolCalls(toolCalls).build();
            ChatResponseMetadata meta = CodexMetadata.of(blankToNull(first.threadId()), blankToNull(first.turnId()), null,
                    ex.work, null).build();
            return new ChatResponse(List.of(new Generation(message,
                    ChatGenerationMetadata.builder().finishReason(FINISH_TOOL_CALLS).build())), meta);
        }
        ToolCallRelay.Step.Ended ended = (ToolCallRelay.Step.Ended) step;
        if (ended.error() != null) {
            throw Failures.of(ended.error());
        }
        TurnResult r = Objects.requireNonNull(ended.result(), "result");
        if (r.threadId() != null) {
            store.put(key, r.threadId());
        }
        if (!r.completed()) {
            throw Failures.of(r);
        }
        String text = r.finalText() == null ? "" : r.finalText();
        if (ex.sink != null) {
            text = unstreamed(ex, text);        // a stream's last response carries only what its deltas did not
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        if (!ex.work.isEmpty()) {
            properties.put(CodexMetadata.WORK_TEXT, CodexWork.text(ex.work));
        }
        AssistantMessage message = AssistantMessage.builder().content(text).properties(properties).build();
        ChatResponseMetadata.Builder meta = CodexMetadata.of(r.threadId(), r.turnId(), r.status(), ex.work, r.turnId());
        if (r.tokenUsage() != null) {
            var last = r.tokenUsage().last();
            meta.usage(new DefaultUsage((int) last.inputTokens(), (int) last.outputTokens(), (int) last.totalTokens()));
        }
        return new ChatResponse(List.of(new Generation(message, ChatGenerationMetadata.builder().finishReason(FINISH_STOP).build())),
                meta.build());
    }

    private static String unstreamed(Exchange ex, String finalText) {
        String last = ex.itemText.toString();
        if (ex.streamed.isEmpty()) {
            return finalText;
        }
        return finalText.startsWith(last) ? finalText.substring(last.length()) : "";
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

    /** The turn's events: the answer to the current request's sink, codex's work into its metadata. */
    private final class Listener implements TurnListener {
        @Override
        public void onAgentMessageDelta(String itemId, String delta) {
            Exchange ex = exchange;
            if (ex.sink == null) {
                return;
            }
            String piece = delta;
            synchronized (ex) {
                if (!itemId.equals(ex.item)) {
                    if (!ex.streamed.isEmpty()) {
                        piece = "\n\n" + delta;      // codex's next message in the same turn
                    }
                    ex.item = itemId;
                    ex.itemText.setLength(0);
                }
                ex.itemText.append(delta);
                ex.streamed.append(piece);
            }
            String out = piece;
            safely(() -> ex.sink.text(out));
        }

        @Override
        public void onTranscript(List<TranscriptMessage> messages) {
            Exchange ex = exchange;
            for (TranscriptMessage m : messages) {
                if (CodexWork.isWork(m, dynamicCallIds)) {
                    ex.work.add(m);
                }
            }
        }
    }
}
