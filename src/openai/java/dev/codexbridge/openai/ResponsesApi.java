package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The Responses API: {@code POST /v1/responses} runs one codex turn, on a new thread or — by
 * {@code previous_response_id} — on the thread of the newest response of a conversation;
 * {@code GET}, {@code DELETE} and {@code input_items} on {@code /v1/responses/{id}} read and forget
 * what the door kept. Another principal's response id is answered exactly as one nobody used.
 */
final class ResponsesApi {
    private final Conversations conversations;
    private final ResponseRecords records;
    private final Turns turns;

    ResponsesApi(Conversations conversations, ResponseRecords records, Turns turns) {
        this.conversations = conversations;
        this.records = records;
        this.turns = turns;
    }

    /**
     * A created response: on {@code conversation}, the response object when the request's part of
     * the turn ends — codex's last answer, or what it asked the caller (function calls, approvals).
     * Fails with the error to answer when the turn could not be followed to its end.
     */
    record Created(Conversation conversation, CompletableFuture<ObjectNode> answer) {
    }

    /**
     * Checks the request, finds or opens the conversation and starts the turn — or, when the input
     * answers what a held turn asked, lets that turn go on; every refusal comes before codex is
     * asked anything.
     */
    Created create(String principal, @Nullable JsonNode body, @Nullable SseStream events) {
        ResponseRequest request = ResponseRequest.of(body);
        ResponseTurn turn = new ResponseTurn(request, Ids.next("resp_"), System.currentTimeMillis() / 1000,
                events == null ? e -> { } : events::add);
        Conversation c;
        CompletableFuture<HeldTurn.Step> step;
        if (!request.answers().isEmpty()) {
            // no admission: the turn is in flight, and a stopping door waits for it (its answers let it end)
            c = answered(principal, request);
            c.sameTools(request.tools(), "tools");
            turn.begin();
            step = c.held.resume(request.answers(), "input", turn);
        } else {
            int newFrom = 0;
            if (request.previousResponseId() == null) {
                // a history given without a previous response: what follows its last answer is new, the rest is given as history once
                for (int i = 0; i < request.messages().size(); i++) {
                    if (request.messages().get(i).role().equals("assistant")) {
                        newFrom = i + 1;
                    }
                }
            }
            TurnInput input = TurnText.of(request.instructions(), request.messages(), newFrom, "input");
            turns.admit();
            c = conversation(principal, request);
            c.sameTools(request.tools(), "tools");
            TurnOptions options = TurnOptions.builder().effort(request.effort()).outputSchema(request.outputSchema()).build();
            turn.begin();
            step = turns.start(c, input, options, turn, request.toolChoice().equals("auto"), request.approvals());
        }
        Conversation on = c;
        CompletableFuture<ObjectNode> answer = new CompletableFuture<>();
        step.whenComplete((s, failure) -> {
            try {
                ObjectNode response;
                if (s instanceof HeldTurn.Step.Asked asked) {
                    response = turn.pause(asked.questions());
                } else if (s instanceof HeldTurn.Step.Ended ended && ended.result() != null) {
                    response = turn.finish(ended.result());
                } else {
                    response = turn.fail("the codex turn could not be followed to its end; it may have run");
                    if (events == null) {
                        answer.completeExceptionally(Turns.unfollowed(s instanceof HeldTurn.Step.Ended e ? e.error() : failure));
                    }
                }
                TurnResult r = s instanceof HeldTurn.Step.Ended e ? e.result() : null;
                records.newest(on.threadId, turn.id());
                if (request.store()) {
                    records.put(new ResponseRecords.Entry(turn.id(), principal, on.threadId, r == null || r.turnId() == null ? ""
                            : r.turnId(), response, inputItems(request.messages(), request.answers().values())));
                }
                answer.complete(response);
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            } finally {
                // the stream ends whatever became of the record: a caller never waits on a stream with nothing to come
                if (events != null) {
                    events.end();
                }
            }
        });
        return new Created(c, answer);
    }

    /**
     * The conversation whose held turn the request's answers are for: by {@code previous_response_id}
     * (whose conversation must wait for them), or by the answers' own ids among the principal's
     * conversations (a history re-sent without it). Another principal's call is answered 404, as an
     * id nobody used.
     */
    private Conversation answered(String principal, ResponseRequest request) {
        String first = request.answers().keySet().iterator().next();
        if (request.previousResponseId() != null) {
            Conversation c = conversation(principal, request);
            if (!c.held.awaits(first)) {
                throw waitsFor(first, c.held.awaited(), "input");
            }
            return c;
        }
        Conversation c = conversations.holding(principal, first);
        if (c == null) {
            throw waitsFor(first, java.util.Set.of(), "input");
        }
        return c;
    }

    /** 404 for an answer no held turn of the caller's waits for: another principal's call is told the same. */
    static OpenAiError waitsFor(String id, java.util.Set<String> awaited, String param) {
        return new OpenAiError(404, "invalid_request_error", param, null, "No codex turn waits for an answer to '" + id + "' (its wait "
                + "ran out, its turn ended, or the server restarted)" + (awaited.isEmpty() ? "" : "; this conversation's turn waits for "
                + awaited), null, false);
    }

    /**
     * The conversation a request continues: the newest response's thread, or a new one. An older
     * response is refused (continuing it would mix its thread's later turns into the answer, and
     * codex's thread is not forked here), naming the parameter.
     */
    private Conversation conversation(String principal, ResponseRequest request) {
        String previous = request.previousResponseId();
        if (previous == null) {
            return conversations.open(principal, request.tools());
        }
        ResponseRecords.Entry prev = records.get(principal, previous)
                .orElseThrow(() -> OpenAiError.notFound("Previous response", previous, "previous_response_id"));
        String newest = records.newestOn(prev.threadId()).orElse(previous);
        if (!newest.equals(previous)) {
            throw OpenAiError.invalid("previous_response_id", "response '" + previous + "' is not the newest of its conversation: "
                    + "this server continues a conversation only from its newest response ('" + newest + "'); continuing an older one "
                    + "would mix the later turns in");
        }
        return conversations.find(principal, prev.threadId(), "Previous response", previous, "previous_response_id", request.tools());
    }

    ObjectNode get(String principal, String id) {
        return (ObjectNode) entry(principal, id).response();
    }

    ObjectNode delete(String principal, String id) {
        if (!records.delete(principal, id)) {
            throw OpenAiError.notFound("Response", id, null);
        }
        return Json.object().put("id", id).put("object", "response.deleted").put("deleted", true);
    }

    /** The request's input items, a page of them: {@code order} (default desc), {@code limit} (1 – 100, default 20), {@code after}. */
    ObjectNode inputItems(String principal, String id, Map<String, String> query) {
        ArrayNode all = (ArrayNode) entry(principal, id).inputItems();
        List<JsonNode> items = new java.util.ArrayList<>();
        all.forEach(items::add);
        if (!"asc".equals(query.getOrDefault("order", "desc"))) {
            java.util.Collections.reverse(items);
        }
        int limit;
        try {
            limit = Integer.parseInt(query.getOrDefault("limit", "20"));
        } catch (NumberFormatException e) {
            throw OpenAiError.invalid("limit", "limit must be a number from 1 to 100");
        }
        if (limit < 1 || limit > 100) {
            throw OpenAiError.invalid("limit", "limit must be a number from 1 to 100");
        }
        String after = query.get("after");
        int from = 0;
        if (after != null) {
            while (from < items.size() && !items.get(from).path("id").asText().equals(after)) {
                from++;
            }
            from++;
        }
        List<JsonNode> page = items.subList(Math.min(from, items.size()), Math.min(items.size(), from + limit));
        ObjectNode list = Json.object().put("object", "list");
        ArrayNode data = list.putArray("data");
        page.forEach(data::add);
        list.put("first_id", page.isEmpty() ? null : page.get(0).path("id").asText());
        list.put("last_id", page.isEmpty() ? null : page.get(page.size() - 1).path("id").asText());
        list.put("has_more", from + page.size() < items.size());
        return list;
    }

    private ResponseRecords.Entry entry(String principal, String id) {
        return records.get(principal, id).orElseThrow(() -> OpenAiError.notFound("Response", id, null));
    }

    /**
     * The request's messages as the API lists input items: each with an id, its parts in the input
     * or output shape; then the answers it gave a held turn.
     */
    static ArrayNode inputItems(List<Message> messages, java.util.Collection<CallerAnswer> answers) {
        ArrayNode items = Json.nodes().arrayNode();
        for (Message m : messages) {
            boolean assistant = m.role().equals("assistant");
            ObjectNode item = items.addObject().put("id", Ids.next("msg_")).put("type", "message").put("role", m.role())
                    .put("status", "completed");
            ArrayNode content = item.putArray("content");
            for (Message.Part p : m.parts()) {
                if (p.imageUrl() != null) {
                    content.addObject().put("type", "input_image").put("image_url", p.imageUrl()).put("detail", "auto");
                } else if (assistant) {
                    content.add(OutputItems.textPart(p.text()));
                } else {
                    content.addObject().put("type", "input_text").put("text", p.text());
                }
            }
        }
        for (CallerAnswer a : answers) {
            if (a.approval()) {
                items.addObject().put("id", Ids.next("mcpa_")).put("type", "mcp_approval_response").put("approval_request_id", a.id())
                        .put("approve", a.approve()).put("reason", a.reason());
            } else {
                items.addObject().put("id", Ids.next("fco_")).put("type", "function_call_output").put("call_id", a.id())
                        .put("output", a.output()).put("status", "completed");
            }
        }
        return items;
    }
}
