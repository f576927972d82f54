package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.session.TokenUsage;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transcript.TranscriptMessage;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One codex turn as one chat completion: the answer is codex's agent messages in order, joined by
 * a blank line, streamed as {@code chat.completion.chunk}s (the role first, then the text's
 * deltas, then the {@code finish_reason}, then — when asked — a last chunk with {@code usage} and
 * no choices). Codex's own work (commands, file changes, reasoning) has no place in a chat
 * completion and is left out; the Responses API shows it.
 */
final class ChatTurn implements TurnListener {
    private final String id;
    private final String model;
    private final long created;
    private final boolean includeUsage;
    private final Consumer<ObjectNode> sink;
    private final StringBuilder content = new StringBuilder();
    /** Codex's agent message the deltas now belong to, and where its text begins in {@code content}. */
    private @Nullable String messageItem;
    private int messageStart;
    private int messages;
    private @Nullable TokenUsage usage;

    ChatTurn(String model, boolean includeUsage, Consumer<ObjectNode> sink) {
        this.id = Ids.next("chatcmpl-");
        this.model = model;
        this.created = System.currentTimeMillis() / 1000;
        this.includeUsage = includeUsage;
        this.sink = sink;
    }

    /** The first chunk: the assistant's role, before codex is asked anything. */
    synchronized void begin() {
        ObjectNode delta = Json.object().put("role", "assistant").put("content", "");
        sink.accept(chunk(delta, null));
    }

    @Override
    public synchronized void onAgentMessageDelta(String itemId, String delta) {
        text(itemId, delta);
    }

    @Override
    public synchronized void onItemCompleted(ThreadItem item, List<TranscriptMessage> transcript) {
        if (item instanceof ThreadItem.AgentMessage m && m.text() != null) {
            // what codex's final text says beyond its deltas (all of it when none came), so that the deltas join to the answer
            String sent = itemId(m.id()) ? content.substring(messageStart) : "";
            if (m.text().startsWith(sent) && m.text().length() > sent.length()) {
                text(m.id(), m.text().substring(sent.length()));
            }
            messageItem = null;
        }
    }

    @Override
    public synchronized void onTokenUsage(TokenUsage u) {
        usage = u;
    }

    private boolean itemId(String codexId) {
        return codexId.equals(messageItem);
    }

    private void text(String itemId, String delta) {
        if (!itemId(itemId)) {
            String separator = messages++ > 0 ? "\n\n" : "";
            content.append(separator);
            messageStart = content.length();
            messageItem = itemId;
            delta = separator + delta;
        }
        if (delta.isEmpty()) {
            return;
        }
        content.append(delta);
        sink.accept(chunk(Json.object().put("content", delta), null));
    }

    /** The finish reason for {@code r}: {@code stop} for a completed turn, {@code length} for one cut short. */
    static String finishReason(TurnResult r) {
        return r.status() == TurnOutcome.COMPLETED ? "stop" : "length";
    }

    /** The stream's last chunks for a turn that ended with {@code r} (not failed). */
    synchronized void finish(TurnResult r) {
        if (r.tokenUsage() != null) {
            usage = r.tokenUsage();
        }
        sink.accept(chunk(Json.object(), finishReason(r)));
        if (includeUsage) {
            ObjectNode last = envelope("chat.completion.chunk");
            last.putArray("choices");
            last.set("usage", usage());
            sink.accept(last);
        }
    }

    /**
     * Codex called the caller's tools ({@code calls}): streamed, a {@code tool_calls} delta per
     * call (by {@code index}) and the {@code tool_calls} finish; the whole completion returned, its
     * message carrying the calls. The caller's next request answers them with {@code tool}
     * messages, and the same codex turn goes on.
     */
    synchronized ObjectNode pause(List<HeldTurn.Call> calls) {
        ObjectNode c = envelope("chat.completion");
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (content.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", content.toString());
        }
        message.putNull("refusal");
        ArrayNode toolCalls = message.putArray("tool_calls");
        for (int i = 0; i < calls.size(); i++) {
            HeldTurn.Call call = calls.get(i);
            ObjectNode tc = toolCall(call);
            toolCalls.add(tc);
            ObjectNode delta = Json.object();
            delta.putArray("tool_calls").add(tc.deepCopy().put("index", i));
            sink.accept(chunk(delta, null));
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", "tool_calls");
        c.set("usage", usage());
        sink.accept(chunk(Json.object(), "tool_calls"));
        if (includeUsage) {
            ObjectNode last = envelope("chat.completion.chunk");
            last.putArray("choices");
            last.set("usage", usage());
            sink.accept(last);
        }
        return c;
    }

    private static ObjectNode toolCall(HeldTurn.Call call) {
        ObjectNode tc = Json.object().put("id", call.id()).put("type", "function");
        tc.putObject("function").put("name", call.name()).put("arguments", call.arguments());
        return tc;
    }

    /** The whole chat completion, not streamed. */
    synchronized ObjectNode completion(TurnResult r) {
        if (r.tokenUsage() != null) {
            usage = r.tokenUsage();
        }
        ObjectNode c = envelope("chat.completion");
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", content.toString()).putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(r));
        c.set("usage", usage());
        return c;
    }

    synchronized String content() {
        return content.toString();
    }

    private @Nullable ObjectNode usage() {
        if (usage == null) {
            return null;
        }
        TokenUsage.Counts t = usage.last();
        ObjectNode u = Json.object().put("prompt_tokens", t.inputTokens()).put("completion_tokens", t.outputTokens())
                .put("total_tokens", t.totalTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", t.cachedInputTokens());
        u.putObject("completion_tokens_details").put("reasoning_tokens", t.reasoningOutputTokens());
        return u;
    }

    private ObjectNode chunk(ObjectNode delta, @Nullable String finishReason) {
        ObjectNode c = envelope("chat.completion.chunk");
        ArrayNode choices = c.putArray("choices");
        ObjectNode choice = choices.addObject().put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        if (includeUsage) {
            c.putNull("usage");
        }
        return c;
    }

    private ObjectNode envelope(String object) {
        return Json.object().put("id", id).put("object", object).put("created", created).put("model", model);
    }
}
