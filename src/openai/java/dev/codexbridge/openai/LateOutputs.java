package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Function outputs that come after their turn stopped waiting for them — its wait ran out, or the
 * server holding it stopped or restarted (decision 0137). When they answer calls the response they
 * continue asked, they are given to codex as a new turn's input on that conversation, each saying
 * which call it answers and that it came late, rather than refused: the caller's work reaches the
 * model, and the conversation's "newest response" rule keeps a resend from running it twice.
 * Approvals are not: what they approved ran in a turn that is gone, and codex asks again if its
 * model still wants it.
 */
final class LateOutputs {
    private LateOutputs() {
    }

    /**
     * {@code request}, which answers calls by {@code previous_response_id}, with its outputs as a
     * message: null when it cannot be ({@code asked}, the response it continues, did not ask every
     * one of them as a function call, or it answers an approval).
     */
    static @Nullable ResponseRequest asNewInput(ResponseRequest request, JsonNode asked) {
        if (request.previousResponseId() == null || request.answers().isEmpty()) {
            return null;
        }
        Map<String, String> called = new HashMap<>();
        for (JsonNode item : asked.path("output")) {
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
