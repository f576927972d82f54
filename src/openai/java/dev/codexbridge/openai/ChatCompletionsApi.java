package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Chat Completions for stateless callers: {@code POST /v1/chat/completions} answers the history's
 * last user message with one codex turn, on the thread that history already is on
 * ({@link ChatHistories}) or on a new one.
 */
final class ChatCompletionsApi {
    private final Conversations conversations;
    private final ChatHistories histories;
    private final Turns turns;
    /** Tool messages for a turn held on another replica sharing the store, and those other replicas left for turns held here. */
    private final HeldAcrossReplicas relays;

    ChatCompletionsApi(Conversations conversations, ChatHistories histories, Turns turns, HeldAcrossReplicas relays) {
        this.conversations = conversations;
        this.histories = histories;
        this.turns = turns;
        this.relays = relays;
        relays.runWith(HeldAcrossReplicas.Api.CHAT, (principal, body, id) -> start(principal, body, null).answer());
    }

    /**
     * A chat turn under way on {@code conversation}: its chunks streaming into the events given (if
     * any); {@code answer} the whole completion when the request's part of the turn ends (codex's
     * answer, or its calls of the caller's tools), or the error to answer. {@code conversation} is
     * null for tool messages handed to another replica holding their turn.
     */
    record Started(@Nullable Conversation conversation, CompletableFuture<ObjectNode> answer) {
    }

    /**
     * Checks the request, finds or opens the conversation and starts the turn — or, when the
     * history ends with the outputs of the calls a held turn waits for, lets that turn go on; every
     * refusal comes before codex is asked anything.
     */
    Started start(String principal, @Nullable JsonNode body, @Nullable SseStream events) {
        return start(principal, body, ChatRequest.of(body), events);
    }

    private Started start(String principal, @Nullable JsonNode body, ChatRequest request, @Nullable SseStream events) {
        ChatTurn turn = new ChatTurn(request.model(), request.includeUsage(), events == null ? e -> { } : events::add);
        Conversation c;
        CompletableFuture<HeldTurn.Step> step;
        if (!request.answers().isEmpty()) {
            String first = request.answers().keySet().iterator().next();
            c = conversations.holding(principal, first);
            if (c == null) {
                return notHeldHere(principal, body, request, events);
            }
            c.sameTools(request.tools(), "tools");
            turn.begin();
            step = c.held.resume(request.answers(), "messages", turn);
            relays.answered().taken(principal, request.answers().keySet());
        } else {
            turns.admit();
            c = conversation(principal, request);
            TurnInput input = input(request, c);
            if (c == null) {
                c = conversations.open(principal, request.tools());
            }
            c.sameTools(request.tools(), "tools");
            turn.begin();
            TurnOptions options = TurnOptions.builder().effort(request.effort()).outputSchema(request.outputSchema()).build();
            // Chat Completions has no approval shape: what the host's policy leaves open is declined
            step = turns.start(c, input, options, turn, request.toolChoice().equals("auto"), false);
        }
        Conversation on = c;
        CompletableFuture<ObjectNode> answer = new CompletableFuture<>();
        step.whenComplete((s, failure) -> {
            try {
                TurnResult r = s instanceof HeldTurn.Step.Ended e ? e.result() : null;
                if (s instanceof HeldTurn.Step.Asked asked) {
                    // the chat door hands out calls only: its conversations ask the caller no approval
                    List<HeldTurn.Call> calls = asked.questions().stream().filter(HeldTurn.Call.class::isInstance)
                            .map(HeldTurn.Call.class::cast).toList();
                    ObjectNode paused = turn.pause(calls);
                    // the calls are the thread's newest point: their outputs go on there even once no turn waits for them
                    histories.asked(principal, request.messages(), paused.path("choices").path(0).path("message"), on.threadId);
                    // their outputs may reach another replica sharing the store: they are looked for there
                    relays.awaiting(principal, on, calls);
                    answer.complete(paused);
                    return;
                }
                if (r != null && r.status() == TurnOutcome.COMPLETED) {
                    histories.answered(principal, request.messages(), turn.content(), on.threadId);
                }
                if (r != null && !unanswered(r)) {
                    if (events != null) {
                        turn.finish(r);
                    }
                    answer.complete(turn.completion(r));
                } else {
                    OpenAiError error = r != null ? failure(r) : Turns.unfollowed(s instanceof HeldTurn.Step.Ended e ? e.error() : failure);
                    if (events != null) {
                        // the SDKs read a data line holding "error" as the stream's failure
                        events.add(error.body());
                    }
                    answer.completeExceptionally(error);
                }
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            } finally {
                if (events != null) {
                    events.end();
                }
            }
        });
        return new Started(c, answer);
    }

    /**
     * Tool messages no turn held here waits for: handed to the replica holding their turn when a
     * store is shared. When none holds it — its wait ran out, its replica stopped — and they follow
     * the calls they answer at their thread's newest point, they are given to codex as new input
     * there (decision 0137); else 404, nothing run.
     */
    private Started notHeldHere(String principal, @Nullable JsonNode body, ChatRequest request, @Nullable SseStream events) {
        OpenAiError refusal = ResponsesApi.waitsFor(request.answers().keySet().iterator().next(), java.util.Set.of(), "messages");
        if (relays.shared()) {
            try {
                // the replica holding it, if any, takes them from the store
                return new Started(null, turns.inFlight(() -> relays.handOvers().chat(principal, body, request, events)));
            } catch (HandOvers.NotTaken nobody) {
                refusal = nobody.refusal;
            }
        }
        // tool messages a turn took already are a resend, never new input
        if (relays.answered().anyTaken(principal, request.answers().keySet())
                || !histories.followsItsCalls(principal, request.messages())) {
            throw refusal;
        }
        Started started = start(principal, body, request.withoutAnswers(), events);
        relays.answered().taken(principal, request.answers().keySet());     // given once: sent again, a resend
        return started;
    }

    /** The conversation a history goes on with, or null for a new one. */
    private @Nullable Conversation conversation(String principal, ChatRequest request) {
        ChatHistories.Continuation known = histories.find(principal, request.messages());
        if (known == null) {
            return null;
        }
        try {
            return conversations.find(principal, known.threadId(), "Conversation", known.threadId(), "messages", request.tools());
        } catch (OpenAiError e) {
            if (e.status != 404) {
                throw e;
            }
            // the thread is gone (its codex home was wiped): the history goes to a new thread, as one never seen
            return null;
        }
    }

    /** What codex is sent: on a known thread only what follows its newest point; on a new one the history once, then the new messages. */
    private TurnInput input(ChatRequest request, @Nullable Conversation c) {
        List<Message> messages = request.messages();
        if (c != null) {
            ChatHistories.Continuation known = histories.find(c.principal, messages);
            int from = known == null ? messages.size() - 1 : known.newFrom();
            return TurnText.of(null, messages.subList(from, messages.size()), 0, "messages");
        }
        // a new thread: the last user messages are new, the rest is history codex has not seen, given once
        int newFrom = messages.size() - 1;
        while (newFrom > 0 && messages.get(newFrom - 1).role().equals("user")) {
            newFrom--;
        }
        return TurnText.of(null, messages, newFrom, "messages");
    }

    /** The answer to a turn that was not answered. */
    static OpenAiError failure(@Nullable TurnResult r) {
        OpenAiError elsewhere = Conversations.heldElsewhere(r);
        if (elsewhere != null) {
            return elsewhere;       // nothing ran: send again
        }
        String why = r != null && r.error() != null && r.error().message() != null ? r.error().message()
                : r != null ? "the codex turn " + r.status().wire() : "the codex turn could not be followed to its end";
        return OpenAiError.afterStart(why + "; it may have run: read the conversation before sending this again");
    }

    /** Whether {@code r} has no answer to give: a failed turn, or one whose outcome codex's record could not tell. */
    private static boolean unanswered(TurnResult r) {
        return r.status() == TurnOutcome.FAILED || r.status() == TurnOutcome.UNKNOWN || r.status() == TurnOutcome.NOT_RECEIVED;
    }
}
