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
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ResponsesApi.class);
    /** How long a cancel waits for codex's turn to end before answering the response as it stands. */
    static final java.time.Duration CANCEL_WAIT = java.time.Duration.ofSeconds(30);
    private final Conversations conversations;
    private final ResponseRecords records;
    private final Turns turns;
    private final BackgroundResponses backgrounds;
    /** The background responses other replicas sharing a store run or read. */
    private final BackgroundAcrossReplicas across;
    /** The Conversations API's conversations, which a response may belong to. */
    private final KeptConversations kept;
    /** Answers for turns held on another replica sharing the store, and answers other replicas left for turns held here. */
    private final HeldAcrossReplicas relays;

    ResponsesApi(Conversations conversations, ResponseRecords records, Turns turns, BackgroundResponses backgrounds,
                 BackgroundAcrossReplicas across, KeptConversations kept, HeldAcrossReplicas relays) {
        this.conversations = conversations;
        this.records = records;
        this.turns = turns;
        this.backgrounds = backgrounds;
        this.across = across;
        this.kept = kept;
        this.relays = relays;
        relays.runWith(HeldAcrossReplicas.Api.RESPONSES, (principal, body, responseId) -> {
            create(principal, ResponseRequest.of(body), null, responseId);
            return null;        // the response's own record carries it back
        });
    }

    /**
     * A created response: on {@code conversation}, the response object when the request's part of
     * the turn ends — codex's last answer, or what it asked the caller (function calls, approvals);
     * at once for a {@code background} one, whose turn goes on whether or not its caller stays.
     * Fails with the error to answer when the turn could not be followed to its end.
     * {@code left}: what is done when a streaming caller goes away (its turn interrupted, or, in the
     * background, the stream no longer followed). {@code conversation} is null for answers handed
     * to another replica holding their turn.
     */
    record Created(@Nullable Conversation conversation, CompletableFuture<ObjectNode> answer, Runnable left) {
    }

    /**
     * Checks the request, finds or opens the conversation and starts the turn — or, when the input
     * answers what a held turn asked, lets that turn go on; every refusal comes before codex is
     * asked anything.
     */
    Created create(String principal, @Nullable JsonNode body, @Nullable SseStream events) {
        ResponseRequest request = ResponseRequest.of(body);
        if (request.answers().isEmpty() || conversations.holding(principal, request.answers().keySet().iterator().next()) != null) {
            return create(principal, request, events, null);
        }
        // no turn held here waits for them
        JsonNode asked = null;
        OpenAiError refusal = null;
        if (relays.shared()) {
            asked = askedBefore(principal, request);
            try {
                // the replica holding it, if any, takes them from the store
                return new Created(null, turns.inFlight(() -> relays.handOvers().response(principal, body, request, events)), () -> { });
            } catch (HandOvers.NotTaken nobody) {
                refusal = nobody.refusal;
            }
        } else if (request.previousResponseId() != null) {
            asked = records.get(principal, request.previousResponseId()).map(ResponseRecords.Entry::response).orElse(null);
        }
        // answers a turn took (or that were given as input) already are a resend, never new input
        ResponseRequest late = relays.answered().anyTaken(principal, request.answers().keySet()) ? null
                : LateOutputs.of(request, body, asked);
        if (late == null && refusal != null) {
            throw refusal;
        }
        Created started = create(principal, late != null ? late : request, events, null);   // else refused: no turn waits (404)
        relays.answered().taken(principal, request.answers().keySet());     // given once: sent again, a resend
        return started;
    }

    /**
     * The response {@code request} continues, when it names one: refused at once (404) when it is
     * not the caller's or did not ask what the request's first answer answers — no turn held
     * anywhere can wait for that.
     */
    private @Nullable JsonNode askedBefore(String principal, ResponseRequest request) {
        String previous = request.previousResponseId();
        if (previous == null) {
            return null;
        }
        String first = request.answers().keySet().iterator().next();
        JsonNode asked = records.get(principal, previous)
                .orElseThrow(() -> OpenAiError.notFound("Previous response", previous, "previous_response_id")).response();
        for (JsonNode item : asked.path("output")) {
            if (first.equals(item.path("call_id").asText(null))
                    || item.path("type").asText().equals("mcp_approval_request") && first.equals(item.path("id").asText(null))) {
                return asked;
            }
        }
        throw waitsFor(first, java.util.Set.of(), "input");
    }

    /**
     * {@link #create(String, JsonNode, SseStream)} here; {@code relayedAs}: answers another replica
     * handed to this one, which holds their turn — the response gets that replica's id and is
     * written as it stands while it runs, as a background response is, so that it answers its
     * caller from the record.
     */
    private Created create(String principal, ResponseRequest request, @Nullable SseStream events, @Nullable String relayedAs) {
        String id = relayedAs != null ? relayedAs : Ids.next("resp_");
        BackgroundResponses.EventLog log = request.background() || relayedAs != null ? new BackgroundResponses.EventLog() : null;
        ResponseTurn turn = new ResponseTurn(request, id, System.currentTimeMillis() / 1000,
                log != null ? log::add : events != null ? events::add : e -> { });
        BackgroundResponses.Live live = log == null ? null : new BackgroundResponses.Live(id, principal, turn, log);
        if (log == null) {
            turn.announceEndLater();       // its record first: the caller may go on from it on another replica at once
        }
        if (log != null && events != null) {
            log.follow(-1, events);
        }
        Conversation c;
        CompletableFuture<HeldTurn.Step> step;
        // the items added to its conversation since its last response: given to codex as history with this one
        KeptConversations.State within = request.conversation() == null ? null : kept.get(principal, request.conversation());
        ArrayNode waiting = within == null || !request.answers().isEmpty() ? Json.nodes().arrayNode() : within.pending();
        try {
            if (!request.answers().isEmpty()) {
                // no admission: the turn is in flight, and a stopping door waits for it (its answers let it end)
                c = answered(principal, request);
                c.sameTools(request.tools(), "tools");
                started(live, c, request.background());
                turn.begin();
                step = c.held.resume(request.answers(), "input", turn);
                relays.answered().taken(principal, request.answers().keySet());
            } else {
                List<Message> messages = new java.util.ArrayList<>(ConversationsApi.messages(waiting));
                int newFrom = messages.size();
                messages.addAll(request.messages());
                if (request.previousResponseId() == null && (within == null || within.threadId() == null)) {
                    // a history given without a previous response: what follows its last answer is new, the rest is given as history once
                    for (int i = 0; i < messages.size(); i++) {
                        if (messages.get(i).role().equals("assistant")) {
                            newFrom = i + 1;
                        }
                    }
                }
                TurnInput input = TurnText.of(request.instructions(), messages, newFrom, "input");
                turns.admit();
                c = conversation(principal, request, within);
                c.sameTools(request.tools(), "tools");
                TurnOptions options = TurnOptions.builder().effort(request.effort()).outputSchema(request.outputSchema()).build();
                started(live, c, request.background());
                turn.begin();
                step = turns.start(c, input, options, turn, request.toolChoice().equals("auto"), request.approvals());
            }
        } catch (RuntimeException refused) {
            if (live != null) {
                backgrounds.end(live, null);
            }
            throw refused;
        }
        Conversation on = c;
        boolean recorded = request.store() || within != null || relayedAs != null;
        // the items as input_items lists them, made once: the record of a background response as it stands and at its end agree
        ArrayNode given = recorded ? waiting.deepCopy().addAll(InputItems.of(request.messages(), request.answers().values())) : null;
        if (recorded && live == null) {
            // in progress for every replica, not unknown, should its end's write wait for a store away (decision 0144)
            across.followForeground(turn, () -> new ResponseRecords.Entry(turn.id(), principal, on.threadId, "", turn.now(), given));
        }
        CompletableFuture<ObjectNode> answer = new CompletableFuture<>();
        step.whenComplete((s, failure) -> {
            OpenAiError elsewhere = s instanceof HeldTurn.Step.Ended ended ? Conversations.heldElsewhere(ended.result()) : null;
            if (elsewhere != null && events == null && live == null) {
                // its thread could not be woken here, another replica holding it: nothing ran, no response was made
                turn.fail(elsewhere.getMessage());      // ends its writes as it runs
                if (recorded) {
                    records.forgetRunning(turn.id());
                }
                answer.completeExceptionally(elsewhere);
                return;
            }
            ObjectNode response = null;
            try {
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
                // the response before the pointer to it: a replica gone between the two leaves the conversation's newest as it was
                if (recorded) {
                    records.put(new ResponseRecords.Entry(turn.id(), principal, on.threadId, r == null || r.turnId() == null ? ""
                            : r.turnId(), response, given));
                }
                records.newest(on.threadId, turn.id(), within == null ? request.previousResponseId() : null);
                if (within != null) {
                    joined(principal, within.id(), on.threadId, turn.id(), waiting);
                }
                if (s instanceof HeldTurn.Step.Asked asked) {
                    // its answers may reach another replica sharing the store: they are looked for there
                    relays.awaiting(principal, on, asked.questions());
                }
                answer.complete(response);
            } catch (RuntimeException e) {
                turn.fail("the door failed as the response ended: " + e);      // no-op once ended; ends its writes as it runs
                answer.completeExceptionally(e);
            } finally {
                // the stream ends whatever became of the record: a caller never waits on a stream with nothing to come
                if (live != null && request.background()) {
                    backgrounds.end(live, response);
                } else if (live != null) {
                    live.events.end();      // handed over: its record carries it, nothing here streams it again
                } else if (events != null) {
                    turn.announceEnd();
                    events.end();
                }
            }
        });
        if (live != null) {
            if (recorded) {
                // other replicas sharing a store read it while it runs, and may ask to cancel it
                across.follow(live, () -> new ResponseRecords.Entry(live.id, principal, on.threadId, "", live.turn.now(), given));
            }
            if (request.background()) {
                // answered at once, as it stands (its end if it already ended)
                answer.complete(turn.now());
            }
        }
        Runnable left = log == null ? on.session::interrupt : () -> log.unfollow(events);
        return new Created(c, answer, left);
    }

    /**
     * A background response's turn, or one handed over by another replica, is about to begin on
     * {@code c}: from here a cancel interrupts it, and a {@code background} one is read, cancelled
     * and streamed again here as running.
     */
    private void started(BackgroundResponses.@Nullable Live live, Conversation c, boolean background) {
        if (live != null) {
            live.conversation = c;
            if (background) {
                backgrounds.start(live);
            }
        }
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
            Conversation c = conversation(principal, request, null);
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
    /**
     * The response {@code responseId} on {@code threadId} is its conversation's newest: the items it
     * gave codex no longer wait. Said once at WARN when the store does not take it: the response
     * stands, and the conversation's items leave it out.
     */
    private void joined(String principal, String conversationId, String threadId, String responseId, ArrayNode sent) {
        java.util.Set<String> given = new java.util.HashSet<>();
        sent.forEach(i -> given.add(i.path("id").asText()));
        try {
            kept.change(principal, conversationId, s -> s.withResponse(responseId, threadId, given));
        } catch (OpenAiError e) {
            LOG.warn("response {} was not added to conversation {}: {}", responseId, conversationId, e.getMessage());
        }
    }

    private Conversation conversation(String principal, ResponseRequest request, KeptConversations.@Nullable State within) {
        if (within != null) {
            return within.threadId() == null ? conversations.open(principal, request.tools())
                    : conversations.find(principal, within.threadId(), "Conversation", within.id(), "conversation", request.tools());
        }
        String previous = request.previousResponseId();
        if (previous == null) {
            return conversations.open(principal, request.tools());
        }
        if (backgrounds.live(principal, previous) != null) {
            throw OpenAiError.busy("conversation_busy", "response '" + previous + "' is still in progress; nothing was run: send this "
                    + "again once it has ended", 1);
        }
        ResponseRecords.Entry prev = records.get(principal, previous)
                .orElseThrow(() -> OpenAiError.notFound("Previous response", previous, "previous_response_id"));
        if (BackgroundAcrossReplicas.running(prev.response())) {
            // a background response another replica runs: busy there as here
            throw OpenAiError.busy("conversation_busy", "response '" + previous + "' is still in progress; nothing was run: send this "
                    + "again once it has ended", 1);
        }
        String newest = records.newestOn(prev.threadId()).orElse(previous);
        if (!newest.equals(previous)) {
            throw OpenAiError.invalid("previous_response_id", "response '" + previous + "' is not the newest of its conversation: "
                    + "this server continues a conversation only from its newest response ('" + newest + "'); continuing an older one "
                    + "would mix the later turns in");
        }
        return conversations.find(principal, prev.threadId(), "Previous response", previous, "previous_response_id", request.tools());
    }

    /** {@code principal}'s response {@code id}: a background one still running as it stands, else as answered. */
    ObjectNode get(String principal, String id) {
        BackgroundResponses.Live live = backgrounds.live(principal, id);
        return live != null ? live.turn.now() : (ObjectNode) entry(principal, id).response();
    }

    /**
     * Cancels {@code principal}'s background response {@code id}: codex's turn is interrupted and
     * the response answered once it ended ({@code cancelled}, or how it ended first). A response
     * cancelled before is answered again as it is; one not created in the background, or ended
     * otherwise, cannot be cancelled.
     */
    ObjectNode cancel(String principal, String id) throws InterruptedException {
        BackgroundResponses.Live live = backgrounds.live(principal, id);
        if (live != null) {
            live.cancel();
            try {
                return live.ended.get(CANCEL_WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
                // the turn ended without an answer of its own: the record says what was kept
            } catch (java.util.concurrent.TimeoutException e) {
                // codex has not ended the turn yet: the caller reads it as it stands, cancelling
                return live.turn.now();
            }
        }
        JsonNode response = entry(principal, id).response();
        if (!response.path("background").asBoolean(false)) {
            // a response running on another replica because its answers were handed over there is not a background one either
            throw OpenAiError.invalid(null, "Only responses created with background=true can be cancelled.");
        }
        if (BackgroundAcrossReplicas.running(response)) {
            return across.cancelElsewhere(principal, id, CANCEL_WAIT);
        }
        String status = response.path("status").asText();
        if (!status.equals("cancelled")) {
            throw OpenAiError.invalid(null, "Cannot cancel a response that has already ended: response '" + id + "' is " + status + ".");
        }
        return (ObjectNode) response;
    }

    /**
     * The stream of {@code principal}'s background response {@code id} again, its events numbered
     * after {@code startingAfter} (all when null): kept while it runs and for a while after it ended,
     * then made anew from the response as answered (without a starting point only).
     */
    SseStream stream(String principal, String id, @Nullable Long startingAfter) {
        SseStream events = new SseStream();
        BackgroundResponses.EventLog log = backgrounds.events(principal, id);
        if (log != null) {
            if (!log.follow(startingAfter == null ? -1 : startingAfter, events)) {
                throw OpenAiError.invalid("stream", "response '" + id + "' has more events than this server keeps to stream again (" 
                        + BackgroundResponses.MAX_EVENTS + "); read it without stream");
            }
            return events;
        }
        JsonNode response = entry(principal, id).response();
        if (!response.path("background").asBoolean(false)) {
            throw OpenAiError.invalid("stream", "only a response created with background=true can be streamed again; read it without "
                    + "stream");
        }
        if (BackgroundAcrossReplicas.running(response)) {
            if (startingAfter != null) {
                throw OpenAiError.invalid("starting_after", "response '" + id + "' runs on another server of this service, which keeps "
                        + "its events; stream it whole (its events come once it ended), or read it until it ends");
            }
            across.streamWhenEnded(principal, id, events);
            return events;
        }
        if (startingAfter != null) {
            throw OpenAiError.invalid("starting_after", "the events of response '" + id + "' are no longer kept (they are for "
                    + BackgroundResponses.KEEP_ENDED.toMinutes() + " minutes after it ends); stream it whole, or read it without stream");
        }
        KeyedRequests.responseEvents(response, events);
        return events;
    }

    /** Stops following {@code principal}'s response {@code id} with {@code events}: its caller went away. */
    void unfollow(String principal, String id, SseStream events) {
        BackgroundResponses.EventLog log = backgrounds.events(principal, id);
        if (log != null) {
            log.unfollow(events);
        }
    }

    ObjectNode delete(String principal, String id) {
        if (!records.delete(principal, id)) {
            throw OpenAiError.notFound("Response", id, null);
        }
        return Json.object().put("id", id).put("object", "response.deleted").put("deleted", true);
    }

    /** The request's input items, a page of them: {@code order} (default desc), {@code limit} (1 – 100, default 20), {@code after}. */
    ObjectNode inputItems(String principal, String id, Map<String, String> query) {
        List<JsonNode> items = new java.util.ArrayList<>();
        entry(principal, id).inputItems().forEach(items::add);
        return page(items, query);
    }

    /** A page of {@code items} (oldest first) as the API lists them: {@code order} (default desc), {@code limit} (1 – 100, default 20), {@code after}. */
    static ObjectNode page(List<JsonNode> items, Map<String, String> query) {
        items = new java.util.ArrayList<>(items);
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
}
