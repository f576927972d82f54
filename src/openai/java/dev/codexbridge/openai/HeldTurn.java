package dev.codexbridge.openai;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.session.TokenUsage;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.tool.DynamicTool;
import dev.codexbridge.transcript.TranscriptMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A conversation's codex turn held open across requests: what codex asks the caller (a call of the
 * caller's function tool, an approval) ends the request that follows the turn, and the caller's
 * next request answers it so that the same turn goes on. Each request {@link #follow}s the turn:
 * its listener hears the turn's events, and it returns at the next {@link Step}. A question waits
 * for its answer within the bound; then it is answered for the caller — the call with an error,
 * the approval declined — and the turn is interrupted: nobody follows it any more. Held in this
 * process only: a restart loses the turn.
 */
final class HeldTurn implements AutoCloseable {
    /** Something codex asked the caller and waits on. */
    sealed interface Question {
        String id();
    }

    /** A call of the caller's function tool {@code name}; {@code arguments} a JSON object as text. */
    record Call(String id, String name, String arguments, CompletableFuture<DynamicTool.Result> answer) implements Question {
    }

    /** An approval request of codex's (a command, a patch, a permission). */
    record Approval(String id, ApprovalRequest request, CompletableFuture<ApprovalDecision> answer) implements Question {
    }

    /** What a request following the turn returns at. */
    sealed interface Step {
        /** Codex asked the caller: the turn waits for the answers. */
        record Asked(List<Question> questions) implements Step {
            public Asked {
                questions = List.copyOf(questions);
            }
        }

        /** The turn ended with {@code result}, or could not be followed to its end ({@code error}). */
        record Ended(@Nullable TurnResult result, @Nullable Throwable error) implements Step {
        }
    }

    private static final TurnListener NOBODY = new TurnListener() { };
    /** How long the first question waits for others codex asks at once, before the request following the turn returns. */
    static final Duration SETTLE = Duration.ofMillis(100);

    private final Duration bound;
    private final Runnable interrupt;
    private volatile TurnListener follower = NOBODY;
    /** False for a turn whose request said {@code tool_choice: "none"}. */
    private volatile boolean callable = true;
    /** Whether the caller of this turn answers approvals (it declared so); else they are declined unasked. */
    private volatile boolean asksCaller;
    // guarded by this
    private final List<Question> asked = new ArrayList<>();
    private final Map<String, Question> shown = new LinkedHashMap<>();
    private Step.@Nullable Ended end;
    private boolean settling;
    private @Nullable CompletableFuture<Step> waiter;

    /** {@code interrupt}: interrupts the turn, when a question's bound runs out. */
    HeldTurn(Duration bound, Runnable interrupt) {
        this.bound = bound;
        this.interrupt = interrupt;
    }

    /** The handler of every function tool of the caller's: the call is handed to the caller and waited for. */
    DynamicTool.CallHandler tools() {
        return (call, arguments) -> {
            if (!callable) {
                // tool_choice "none": codex cannot be told per turn, so a call is answered without reaching the caller
                return DynamicTool.Result.failure("the caller allows no tool calls in this turn (tool_choice none): answer without tools");
            }
            // the door's own id, unguessable: it is what names the call to the caller (codex's may repeat across threads)
            String id = Ids.next("call_");
            String args = arguments == null || arguments.isBlank() || "null".equals(arguments) ? "{}" : arguments;
            Call c = new Call(id, call.tool(), args, new CompletableFuture<>());
            ask(c);
            try {
                return c.answer().get(bound.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                timedOut(c);
                return DynamicTool.Result.failure("the caller did not send the output of " + call.tool() + " within " + bound.toSeconds()
                        + " s; the turn ends");
            } catch (ExecutionException e) {
                return DynamicTool.Result.failure("the call of " + call.tool() + " was given up: " + e.getCause().getMessage());
            }
        };
    }

    /** The caller's approvals: each request the host's policy leaves open is handed to the caller, declined when unanswered. */
    ApprovalHandler approvals() {
        return request -> {
            if (!asksCaller) {
                return CompletableFuture.completedFuture(ApprovalDecision.deny("the caller did not declare that it answers approvals "
                        + "(a tool {type: mcp, server_label: codex})"));
            }
            if (request.kind() == ApprovalKind.ELICITATION || request.kind() == ApprovalKind.USER_INPUT) {
                // a form or questions: the API's approval answers yes or no, which says nothing to them
                return CompletableFuture.completedFuture(ApprovalDecision.deny("the caller answers approvals only, not forms or questions"));
            }
            Approval a = new Approval(Ids.next("mcpr_"), request, new CompletableFuture<>());
            ask(a);
            CompletableFuture<ApprovalDecision> decided = a.answer().completeOnTimeout(null, bound.toMillis(), TimeUnit.MILLISECONDS)
                    .thenApply(d -> {
                        if (d != null) {
                            return d;
                        }
                        timedOut(a);
                        return ApprovalDecision.deny("the caller did not answer within " + bound.toSeconds() + " s");
                    });
            decided.whenComplete((d, e) -> {
                if (e instanceof java.util.concurrent.CancellationException) {
                    forget(a);      // codex withdrew it (its turn ended): the caller is not asked any more
                }
            });
            return decided;
        };
    }

    /** Forwards the turn's events to the request following it now. */
    TurnListener listener() {
        return new TurnListener() {
            @Override
            public void onAgentMessageDelta(String itemId, String delta) {
                follower.onAgentMessageDelta(itemId, delta);
            }

            @Override
            public void onItemStarted(ThreadItem item) {
                follower.onItemStarted(item);
            }

            @Override
            public void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
                follower.onItemCompleted(item, messages);
            }

            @Override
            public void onTokenUsage(TokenUsage usage) {
                follower.onTokenUsage(usage);
            }
        };
    }

    /** {@code listener} follows the turn from now; the step is what it returns at. */
    synchronized CompletableFuture<Step> follow(TurnListener listener) {
        if (waiter != null && !waiter.isDone()) {
            throw OpenAiError.busy("conversation_busy", "another request follows this conversation's turn; send this again once it has "
                    + "answered", 1);
        }
        follower = listener;
        CompletableFuture<Step> next = new CompletableFuture<>();
        Step ready = ready();
        if (ready != null) {
            next.complete(ready);
        } else {
            waiter = next;
        }
        return next;
    }

    /** A new turn starts: the end of the one before, which nobody followed to its end, is forgotten. */
    synchronized void fresh() {
        end = null;
    }

    /**
     * What this turn's caller takes: calls of its tools ({@code tool_choice} other than
     * {@code none}), and approvals (it declared it answers them).
     */
    void admit(boolean calls, boolean approvals) {
        callable = calls;
        asksCaller = approvals;
    }

    /** Whether the turn waits for the answer to question {@code id}. */
    synchronized boolean awaits(String id) {
        return shown.containsKey(id);
    }

    /** The questions handed out and not answered yet. */
    synchronized Set<String> awaited() {
        return Set.copyOf(shown.keySet());
    }

    /** Whether the turn waits for any answer. */
    synchronized boolean holding() {
        return !shown.isEmpty();
    }

    /**
     * The caller's next request: {@code answers} answer what the turn asked, and {@code listener}
     * follows it from now. Refused, nothing answered, when the turn no longer waits for the first
     * of them (404, as for an id nobody used) or waits for more.
     */
    synchronized CompletableFuture<Step> resume(Map<String, CallerAnswer> answers, String param, TurnListener listener) {
        String first = answers.keySet().iterator().next();
        if (!shown.containsKey(first)) {
            throw ResponsesApi.waitsFor(first, awaited(), param);
        }
        answer(answers, param);
        return follow(listener);
    }

    /**
     * Answers the questions {@code answers} names — every one handed out, or the request is
     * refused naming {@code param} — before the turn is followed again.
     */
    synchronized void answer(Map<String, CallerAnswer> answers, String param) {
        for (String id : shown.keySet()) {
            if (!answers.containsKey(id)) {
                throw OpenAiError.invalid(param, "codex waits for the answer to " + id + " too: send every output or approval response "
                        + "the last response asked for (" + shown.keySet() + ")");
            }
        }
        answers.forEach((id, a) -> {
            Question q = shown.remove(id);
            if (q instanceof Call c) {
                c.answer().complete(new DynamicTool.Result(List.of(a.output() == null ? "" : a.output()), List.of(), true));
            } else if (q instanceof Approval ap) {
                ap.answer().complete(a.approve() ? ApprovalDecision.once()
                        : ApprovalDecision.deny(a.reason() == null ? "declined by the caller" : a.reason()));
            }
        });
    }

    /**
     * The turn ended: {@code freed} gives the conversation back, then the request following the
     * turn hears the end; questions not handed out are answered for nobody. Freed first, so that
     * the caller's next request, sent once it has the answer, never finds the conversation busy.
     */
    void ended(@Nullable TurnResult result, @Nullable Throwable error, Runnable freed) {
        Runnable wake = () -> { };
        try {
            synchronized (this) {
                end = new Step.Ended(result, error);
                giveUp("the codex turn ended");
                wake = wakeLocked();
            }
        } finally {
            try {
                freed.run();
            } finally {
                wake.run();
            }
        }
    }

    private void ask(Question q) {
        synchronized (this) {
            asked.add(q);
            if (settling) {
                return;
            }
            settling = true;
        }
        // the calls codex makes together (several tools called in one model response) go out in one response
        CompletableFuture.delayedExecutor(SETTLE.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            Runnable wake;
            synchronized (this) {
                settling = false;
                wake = wakeLocked();
            }
            wake.run();
        });
    }

    private void timedOut(Question q) {
        forget(q);
        interrupt.run();
    }

    private synchronized void forget(Question q) {
        asked.remove(q);
        shown.remove(q.id());
    }

    private Runnable wakeLocked() {
        if (waiter == null) {
            return () -> { };
        }
        Step ready = ready();
        if (ready == null) {
            return () -> { };
        }
        CompletableFuture<Step> w = waiter;
        waiter = null;
        follower = NOBODY;
        return () -> w.complete(ready);
    }

    private @Nullable Step ready() {
        if (!asked.isEmpty()) {
            List<Question> questions = new ArrayList<>(asked);
            asked.clear();
            questions.forEach(q -> shown.put(q.id(), q));
            follower = NOBODY;
            return new Step.Asked(questions);
        }
        if (end != null) {
            Step s = end;
            end = null;
            follower = NOBODY;
            return s;
        }
        return null;
    }

    private void giveUp(String why) {
        List<Question> all = new ArrayList<>(asked);
        all.addAll(shown.values());
        asked.clear();
        shown.clear();
        for (Question q : all) {
            if (q instanceof Call c) {
                c.answer().complete(DynamicTool.Result.failure(why));
            } else if (q instanceof Approval a) {
                a.answer().complete(ApprovalDecision.deny(why));
            }
        }
    }

    /** Answers every question for nobody (declined, failed) and wakes a request still following: the conversation closes. */
    @Override
    public void close() {
        Runnable wake;
        synchronized (this) {
            giveUp("the server closed the conversation");
            if (end == null) {
                end = new Step.Ended(null, new IllegalStateException("the server closed the conversation"));
            }
            wake = wakeLocked();
        }
        wake.run();
    }
}
