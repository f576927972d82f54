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

    ChatCompletionsApi(Conversations conversations, ChatHistories histories, Turns turns) {
        this.conversations = conversations;
        this.histories = histories;
        this.turns = turns;
    }

    /** A chat turn under way: its chunks streaming into the events given (if any), its result when it ends. */
    record Started(Conversation conversation, ChatTurn turn, CompletableFuture<TurnResult> running) {
    }

    /** Checks the request, finds or opens the conversation and starts the turn; every refusal comes before codex is asked anything. */
    Started start(String principal, @Nullable JsonNode body, @Nullable SseStream events) {
        ChatRequest request = ChatRequest.of(body);
        turns.admit();
        ChatHistories.Continuation known = histories.find(principal, request.messages());
        Conversation c = null;
        if (known != null) {
            try {
                c = conversations.find(principal, known.threadId(), "Conversation", known.threadId(), "messages");
            } catch (OpenAiError e) {
                if (e.status != 404) {
                    throw e;
                }
                // the thread is gone (its codex home was wiped): the history goes to a new thread, as one never seen
            }
        }
        List<Message> messages = request.messages();
        TurnInput input;
        if (c != null) {
            // codex has the history up to its answer: only what follows is sent
            input = TurnText.of(null, messages.subList(known.newFrom(), messages.size()), 0, "messages");
        } else {
            // a new thread: the last user messages are new, the rest is history codex has not seen, given once
            int newFrom = messages.size() - 1;
            while (newFrom > 0 && messages.get(newFrom - 1).role().equals("user")) {
                newFrom--;
            }
            input = TurnText.of(null, messages, newFrom, "messages");
        }
        if (c == null) {
            c = conversations.open(principal);
        }
        Conversation on = c;
        ChatTurn turn = new ChatTurn(request.model(), request.includeUsage(), events == null ? e -> { } : events::add);
        turn.begin();
        TurnOptions options = TurnOptions.builder().effort(request.effort()).outputSchema(request.outputSchema()).build();
        CompletableFuture<TurnResult> running = turns.start(c, input, options, turn, (r, failed) -> {
            try {
                if (r != null && r.status() == TurnOutcome.COMPLETED) {
                    histories.answered(principal, request.messages(), turn.content(), on.threadId);
                }
                if (events != null) {
                    if (r != null && !unanswered(r)) {
                        turn.finish(r);
                    } else {
                        // the SDKs read a data line holding "error" as the stream's failure
                        events.add(failure(r).body());
                    }
                }
            } finally {
                if (events != null) {
                    events.end();
                }
            }
        });
        return new Started(c, turn, running);
    }

    /** The answer to a turn that was not answered. */
    static OpenAiError failure(@Nullable TurnResult r) {
        String why = r != null && r.error() != null && r.error().message() != null ? r.error().message()
                : r != null ? "the codex turn " + r.status().wire() : "the codex turn could not be followed to its end";
        return OpenAiError.afterStart(why + "; it may have run: read the conversation before sending this again");
    }

    /** The non-streamed answer of a turn that ended with {@code r}. */
    static ObjectNode completion(Started s, TurnResult r) {
        if (unanswered(r)) {
            throw failure(r);
        }
        return s.turn().completion(r);
    }

    /** Whether {@code r} has no answer to give: a failed turn, or one whose outcome codex's record could not tell. */
    private static boolean unanswered(TurnResult r) {
        return r.status() == TurnOutcome.FAILED || r.status() == TurnOutcome.UNKNOWN || r.status() == TurnOutcome.NOT_RECEIVED;
    }
}
