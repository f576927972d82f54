package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Function outputs that come after their turn stopped waiting for them — its wait ran out, or the
 * server holding it stopped or restarted (decision 0137). When they answer calls that were made —
 * by the response they continue, or in the history they are re-sent with — they are given to codex
 * as a new turn's input, each saying which call it answers and that it came late, rather than
 * refused: the caller's work reaches the model. By {@code previous_response_id} the turn runs on
 * that response's conversation, whose "newest response" rule keeps a resend from running it twice;
 * a re-sent history goes to a new thread, as any history the door did not answer. Approvals are
 * not: what they approved ran in a turn that is gone, and codex asks again if its model still wants it.
 */
final class LateOutputs {
    private LateOutputs() {
    }

    /**
     * {@code request} (whose raw body is {@code body}), answers no turn waits for, with its outputs
     * as a message: by {@code previous_response_id}, when {@code previous} (that response, null if
     * unknown) made every call they answer; without it and without a conversation, when its own
     * input did. Null when it cannot be.
     */
    static @Nullable ResponseRequest of(ResponseRequest request, @Nullable JsonNode body, @Nullable JsonNode previous) {
        if (request.previousResponseId() != null) {
            return previous == null ? null : asNewInput(request, previous.path("output"));
        }
        return request.conversation() == null && body != null ? asNewInput(request, body.path("input")) : null;
    }

    /** {@code request} with its outputs as a message, when {@code items} hold the function calls of every one; else null. */
    private static @Nullable ResponseRequest asNewInput(ResponseRequest request, JsonNode items) {
        if (request.answers().isEmpty()) {
            return null;
        }
        Map<String, String> called = new HashMap<>();
        for (JsonNode item : items) {
            if (item.path("type").asText().equals("function_call") && item.hasNonNull("call_id")) {
                called.put(item.path("call_id").asText(), item.path("name").asText());
            }
        }
        StringBuilder said = new StringBuilder();
        for (CallerAnswer answer : request.answers().values()) {
            String name = called.get(answer.id());
            if (answer.approval() || name == null) {
                return null;
            }
            said.append(said.isEmpty() ? "" : "\n\n").append("The output of your call of ").append(name).append(" [").append(answer.id())
                    .append("] came after that turn had stopped waiting for it (its wait ran out, or the server was restarted), "
                            + "so it is given to you here:\n").append(answer.output());
        }
        return request.answersSaid(new Message("user", List.of(new Message.Part(said.toString(), null))));
    }
}
