package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.session.TokenUsage;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transcript.TranscriptMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One codex turn as one Responses API response: codex's events become output items and the
 * stream's events, in the order the official SDKs parse (docs/openai.md, "The stream"):
 * {@code response.created} and {@code response.in_progress} first; each item added before its
 * parts and deltas, with a stable id and {@code output_index}; the deltas joining to the done
 * text; every event numbered by {@code sequence_number}; {@code response.completed},
 * {@code response.incomplete} or {@code response.failed} last, carrying the whole {@code output}.
 * A reasoning item's summary streams as codex streams it (each part added, its deltas, done when
 * the item completes); a summary codex sent no deltas of comes whole then. The same state gives the
 * non-streamed answer.
 */
final class ResponseTurn implements TurnListener {
    private final ResponseRequest request;
    private final String id;
    private final long createdAt;
    private final Consumer<ObjectNode> sink;
    private final List<ObjectNode> output = new ArrayList<>();
    /** Items added and not done yet, by codex's item id. */
    private final Map<String, Open> open = new LinkedHashMap<>();
    private int sequence;
    private @Nullable TokenUsage usage;
    private @Nullable ObjectNode ended;
    /** A cancel asked for this background response: an interrupted turn ends {@code cancelled}. */
    private boolean cancelling;
    /** The last event waits for {@link #announceEnd} (its record in the store first, decision 0144). */
    private boolean endAnnouncedLater;
    private boolean endAnnounced;

    /** An item added and not yet done: its place in {@code output}, and the text its deltas made so far. */
    private record Open(int index, String itemId, StringBuilder text) {
    }

    /** The summary parts of each reasoning item streaming now, by codex's item id: each part's text so far, in order. */
    private final Map<String, List<StringBuilder>> summaries = new LinkedHashMap<>();

    ResponseTurn(ResponseRequest request, String id, long createdAt, Consumer<ObjectNode> sink) {
        this.request = request;
        this.id = id;
        this.createdAt = createdAt;
        this.sink = sink;
    }

    String id() {
        return id;
    }

    /** The stream's first two events, before codex is asked anything: a background response is created {@code queued}. */
    synchronized void begin() {
        emit(event("response.created").set("response", response(request.background() ? "queued" : "in_progress")));
        emit(event("response.in_progress").set("response", response("in_progress")));
    }

    /** The response as it stands: its end once it ended, else in progress with the output so far. */
    synchronized ObjectNode now() {
        return ended != null ? ended : response("in_progress");
    }

    /** A cancel was asked: if codex's turn now ends interrupted, the response is {@code cancelled}. */
    synchronized void cancelling() {
        cancelling = true;
    }

    /** Whether {@code item} is a call of one of the caller's function tools: a function_call item, not codex's own work. */
    private boolean callersTool(ThreadItem item) {
        return item instanceof ThreadItem.DynamicToolCall d && d.namespace() == null && request.tools().stream()
                .anyMatch(t -> t.name().equals(d.tool()));
    }

    @Override
    public synchronized void onItemStarted(ThreadItem item) {
        if (callersTool(item)) {
            return;
        }
        if (item instanceof ThreadItem.AgentMessage m) {
            message(m.id());
        } else if (item instanceof ThreadItem.Reasoning r) {
            reasoningItem(r.id());
        } else {
            ObjectNode tool = OutputItems.tool(item, false);
            if (tool != null && !open.containsKey(item.id())) {
                add(item.id(), tool);
            }
        }
    }

    @Override
    public synchronized void onAgentMessageDelta(String itemId, String delta) {
        Open o = message(itemId);
        o.text.append(delta);
        emit(textEvent("response.output_text.delta", o).put("delta", delta));
    }

    @Override
    public synchronized void onReasoningDelta(String itemId, String delta, boolean summary) {
        if (!summary) {
            return;         // the raw reasoning is codex's own: the response gives the summary only
        }
        List<StringBuilder> parts = summaries.computeIfAbsent(itemId, k -> new ArrayList<>());
        Open o = reasoningItem(itemId);
        if (parts.isEmpty()) {
            summaryPart(o, parts);
        }
        parts.get(parts.size() - 1).append(delta);
        emit(event("response.reasoning_summary_text.delta").put("item_id", o.itemId).put("output_index", o.index)
                .put("summary_index", parts.size() - 1).put("delta", delta));
    }

    @Override
    public synchronized void onNotification(dev.codexbridge.client.CodexEvent.Notification event) {
        if (event.params() instanceof dev.codexbridge.protocol.ReasoningSummaryPartAddedNotification added && added.itemId() != null) {
            // codex begins another part of the summary: the one before it is done
            List<StringBuilder> parts = summaries.computeIfAbsent(added.itemId(), k -> new ArrayList<>());
            Open o = reasoningItem(added.itemId());
            if (!parts.isEmpty()) {
                summaryPartDone(o, parts.size() - 1, parts.get(parts.size() - 1).toString());
            }
            summaryPart(o, parts);
        }
    }

    /** The reasoning item of codex's {@code codexId}, added (its summary empty) when first heard of. */
    private Open reasoningItem(String codexId) {
        Open o = open.get(codexId);
        if (o != null) {
            return o;
        }
        ObjectNode started = Json.object().put("id", OutputItems.id("rs_", codexId)).put("type", "reasoning");
        started.putArray("summary");
        started.put("status", "in_progress");
        return add(codexId, started);
    }

    private void summaryPart(Open o, List<StringBuilder> parts) {
        parts.add(new StringBuilder());
        ObjectNode added = event("response.reasoning_summary_part.added").put("item_id", o.itemId).put("output_index", o.index)
                .put("summary_index", parts.size() - 1);
        added.putObject("part").put("type", "summary_text").put("text", "");
        emit(added);
    }

    private void summaryPartDone(Open o, int index, String text) {
        emit(event("response.reasoning_summary_text.done").put("item_id", o.itemId).put("output_index", o.index)
                .put("summary_index", index).put("text", text));
        ObjectNode partDone = event("response.reasoning_summary_part.done").put("item_id", o.itemId).put("output_index", o.index)
                .put("summary_index", index);
        partDone.putObject("part").put("type", "summary_text").put("text", text);
        emit(partDone);
    }

    @Override
    public synchronized void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
        if (callersTool(item)) {
            return;
        }
        if (item instanceof ThreadItem.AgentMessage m) {
            finishMessage(message(m.id()), m.text() == null ? "" : m.text(), "completed");
        } else if (item instanceof ThreadItem.Reasoning r) {
            reasoning(r);
        } else {
            ObjectNode tool = OutputItems.tool(item, true);
            if (tool == null) {
                return;
            }
            Open o = open.containsKey(item.id()) ? open.get(item.id()) : add(item.id(), OutputItems.tool(item, false));
            open.remove(item.id());
            done(o.index, tool);
        }
    }

    @Override
    public synchronized void onTokenUsage(TokenUsage u) {
        this.usage = u;
    }

    /** The message item of codex's agent message {@code codexId}, added with its one text part when first heard of. */
    private Open message(String codexId) {
        Open o = open.get(codexId);
        if (o != null) {
            return o;
        }
        o = add(codexId, OutputItems.message(OutputItems.id("msg_", codexId), null, "in_progress"));
        ObjectNode part = event("response.content_part.added").put("item_id", o.itemId).put("output_index", o.index)
                .put("content_index", 0);
        part.set("part", OutputItems.textPart(""));
        emit(part);
        return o;
    }

    private void finishMessage(Open o, String text, String status) {
        open.values().remove(o);
        String sent = o.text.toString();
        if (text.startsWith(sent) && text.length() > sent.length()) {
            // codex's final text says more than its deltas did: the rest goes as one more delta, so the deltas join to it
            emit(textEvent("response.output_text.delta", o).put("delta", text.substring(sent.length())));
        }
        emit(textEvent("response.output_text.done", o).put("text", text));
        ObjectNode partDone = event("response.content_part.done").put("item_id", o.itemId).put("output_index", o.index)
                .put("content_index", 0);
        partDone.set("part", OutputItems.textPart(text));
        emit(partDone);
        done(o.index, OutputItems.message(o.itemId, text, status));
    }

    /**
     * Codex completed reasoning item {@code r}: each part of its summary done — what its deltas did
     * not say sent as one more delta first, and a part codex streamed none of added and sent whole.
     */
    private void reasoning(ThreadItem.Reasoning r) {
        Open o = reasoningItem(r.id());
        List<StringBuilder> streamed = summaries.remove(r.id());
        int doneBefore = streamed == null ? 0 : streamed.size() - 1;      // the parts before the last were done as the next began
        List<String> whole = r.summary() == null ? List.of() : r.summary();
        for (int i = 0; i < Math.max(whole.size(), streamed == null ? 0 : streamed.size()); i++) {
            String text = i < whole.size() ? whole.get(i) : streamed.get(i).toString();
            if (streamed == null || i >= streamed.size()) {
                if (streamed == null) {
                    streamed = new ArrayList<>();
                }
                summaryPart(o, streamed);
            }
            String sent = streamed.get(i).toString();
            if (i < doneBefore) {
                continue;
            }
            if (text.startsWith(sent) && text.length() > sent.length()) {
                emit(event("response.reasoning_summary_text.delta").put("item_id", o.itemId).put("output_index", o.index)
                        .put("summary_index", i).put("delta", text.substring(sent.length())));
            }
            summaryPartDone(o, i, text);
        }
        open.remove(r.id());
        done(o.index, OutputItems.reasoning(r, "completed"));
    }

    private Open add(String codexId, ObjectNode item) {
        Open o = new Open(output.size(), item.path("id").asText(), new StringBuilder());
        output.add(item);
        open.put(codexId, o);
        ObjectNode added = event("response.output_item.added").put("output_index", o.index);
        added.set("item", item.deepCopy());
        emit(added);
        return o;
    }

    private void done(int index, ObjectNode item) {
        output.set(index, item);
        ObjectNode done = event("response.output_item.done").put("output_index", index);
        done.set("item", item.deepCopy());
        emit(done);
    }

    /**
     * The turn ended with {@code r}: items still open are closed (a message cut short keeps what
     * its deltas said, as {@code incomplete}), and the last event carries the whole response.
     */
    synchronized ObjectNode finish(TurnResult r) {
        if (r.tokenUsage() != null) {
            usage = r.tokenUsage();
        }
        String status = switch (r.status()) {
            case COMPLETED -> "completed";
            case INTERRUPTED -> cancelling ? "cancelled" : "incomplete";
            case TIMED_OUT -> "incomplete";
            default -> "failed";
        };
        closeOpen(status.equals("completed") ? "completed" : "incomplete");
        ObjectNode response = response(status);
        response.put("completed_at", System.currentTimeMillis() / 1000);
        if (status.equals("incomplete")) {
            response.putObject("incomplete_details").put("reason", r.status() == dev.codexbridge.session.TurnOutcome.TIMED_OUT
                    ? "max_output_tokens" : "interrupted");
        } else if (status.equals("failed")) {
            response.putObject("error").put("code", "server_error")
                    .put("message", r.error() != null && r.error().message() != null ? r.error().message() : "the codex turn " + r.status().wire());
        }
        return end(response);
    }

    /**
     * Codex asked the caller ({@code questions}): each a {@code function_call} or an
     * {@code mcp_approval_request} item, and the response ends completed — the caller's next
     * request answers them, and the same codex turn goes on in that request's response.
     */
    synchronized ObjectNode pause(List<HeldTurn.Question> questions) {
        closeOpen("completed");
        for (HeldTurn.Question q : questions) {
            if (q instanceof HeldTurn.Call c) {
                Open o = add(c.id(), OutputItems.functionCall(c, "in_progress", ""));
                open.remove(c.id());
                emit(event("response.function_call_arguments.delta").put("item_id", o.itemId).put("output_index", o.index)
                        .put("delta", c.arguments()));
                emit(event("response.function_call_arguments.done").put("item_id", o.itemId).put("output_index", o.index)
                        .put("name", c.name()).put("arguments", c.arguments()));
                done(o.index, OutputItems.functionCall(c, "completed", c.arguments()));
            } else if (q instanceof HeldTurn.Approval a) {
                ObjectNode item = OutputItems.approvalRequest(a);
                Open o = add(a.id(), item);
                open.remove(a.id());
                done(o.index, item);
            }
        }
        ObjectNode response = response("completed");
        response.put("completed_at", System.currentTimeMillis() / 1000);
        return end(response);
    }

    /** The turn could not be followed to its end ({@code why}): a failed response, what was streamed kept. */
    synchronized ObjectNode fail(String why) {
        closeOpen("incomplete");
        ObjectNode response = response("failed");
        response.putObject("error").put("code", "server_error").put("message", why);
        return end(response);
    }

    private void closeOpen(String status) {
        for (Map.Entry<String, Open> e : new ArrayList<>(open.entrySet())) {
            Open o = e.getValue();
            if (output.get(o.index).path("type").asText().equals("message")) {
                finishMessage(o, o.text.toString(), status);
            } else {
                ObjectNode item = output.get(o.index).deepCopy();
                List<StringBuilder> parts = summaries.remove(e.getKey());
                if (parts != null && !parts.isEmpty()) {
                    // a reasoning item cut short keeps the summary its deltas said
                    summaryPartDone(o, parts.size() - 1, parts.get(parts.size() - 1).toString());
                    ArrayNode summary = item.putArray("summary");
                    parts.forEach(p -> summary.addObject().put("type", "summary_text").put("text", p.toString()));
                }
                item.put("status", "incomplete");
                open.remove(e.getKey());
                done(o.index, item);
            }
        }
    }

    private ObjectNode end(ObjectNode response) {
        if (ended == null) {
            ended = response;
            if (!endAnnouncedLater) {
                announceEnd();
            }
        }
        return ended;
    }

    /**
     * The last event waits for {@link #announceEnd}: a caller that read it goes on from the response
     * at once, on any replica, so its record is written first, as a whole response's answer is.
     */
    synchronized void announceEndLater() {
        endAnnouncedLater = true;
    }

    /** The last event, carrying the whole response, once it ended; once. */
    synchronized void announceEnd() {
        if (ended != null && !endAnnounced) {
            endAnnounced = true;
            emit(event(endEvent(ended.path("status").asText())).set("response", ended.deepCopy()));
        }
    }

    /** The last event of a response that ended {@code status}: the API has none for a cancelled one, which ends as cut short. */
    static String endEvent(String status) {
        return "response." + (status.equals("cancelled") ? "incomplete" : status);
    }

    /** The response object in its state now. */
    private ObjectNode response(String status) {
        ObjectNode r = Json.object();
        r.put("id", id).put("object", "response").put("created_at", createdAt).put("status", status);
        r.putNull("error");
        r.putNull("incomplete_details");
        r.put("instructions", request.instructions());
        r.putNull("max_output_tokens");
        r.put("model", request.model());
        ArrayNode items = r.putArray("output");
        output.forEach(i -> items.add(i.deepCopy()));
        r.put("parallel_tool_calls", true);
        r.put("previous_response_id", request.previousResponseId());
        if (request.conversation() != null) {
            r.putObject("conversation").put("id", request.conversation());
        } else {
            r.putNull("conversation");
        }
        ObjectNode reasoning = r.putObject("reasoning");
        reasoning.put("effort", request.effort());
        reasoning.putNull("summary");
        r.put("store", request.store());
        r.putNull("temperature");
        r.set("text", request.text());
        r.put("tool_choice", request.toolChoice());
        ArrayNode tools = r.putArray("tools");
        for (FunctionTool t : request.tools()) {
            ObjectNode tool = tools.addObject().put("type", "function").put("name", t.name()).put("description", t.description());
            tool.set("parameters", t.parameters());
            tool.put("strict", false);
        }
        r.putNull("top_p");
        r.put("truncation", "disabled");
        r.set("usage", usage == null ? null : usage(usage.last()));
        r.set("metadata", request.metadata());
        r.put("background", request.background());
        return r;
    }

    /** Codex's token counts for the turn as the API's {@code usage}. */
    static ObjectNode usage(TokenUsage.Counts c) {
        ObjectNode u = Json.object();
        u.put("input_tokens", c.inputTokens());
        u.putObject("input_tokens_details").put("cached_tokens", c.cachedInputTokens()).put("cache_write_tokens", 0);
        u.put("output_tokens", c.outputTokens());
        u.putObject("output_tokens_details").put("reasoning_tokens", c.reasoningOutputTokens());
        u.put("total_tokens", c.totalTokens());
        return u;
    }

    private ObjectNode textEvent(String type, Open o) {
        ObjectNode e = event(type).put("item_id", o.itemId).put("output_index", o.index).put("content_index", 0);
        e.putArray("logprobs");
        return e;
    }

    private static ObjectNode event(String type) {
        return Json.object().put("type", type);
    }

    private void emit(ObjectNode event) {
        event.put("sequence_number", sequence++);
        sink.accept(event);
    }
}
