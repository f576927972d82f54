package dev.codexbridge.transcript;

import static dev.codexbridge.transcript.WireValues.idOf;
import static dev.codexbridge.transcript.WireValues.orEmpty;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.AgentMessageDeltaNotification;
import dev.codexbridge.protocol.ItemCompletedNotification;
import dev.codexbridge.protocol.ItemStartedNotification;
import dev.codexbridge.protocol.ProtocolDecoder;
import dev.codexbridge.protocol.ServerNotification;
import dev.codexbridge.protocol.ServerNotifications;
import dev.codexbridge.protocol.ThreadItem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns one turn's item notifications into {@link TranscriptMessage}s. One projector per turn; not
 * thread-safe: it is fed one notification at a time, in arrival order.
 *
 * <ul>
 *   <li>Only {@code item/completed} produces messages. {@code item/started} and agent-message
 *       deltas are only remembered, so that {@link #finish()} can close what never completed
 *       (interrupt, failure) with messages marked incomplete: the transcript never holds a tool
 *       call without its result.</li>
 *   <li>A tool-shaped item gives exactly one assistant message with one tool call, then one tool
 *       message with the same id. Ids are deterministic from the item (its id, or a hash of its
 *       content when it has none) and unique within the turn.</li>
 *   <li>Reasoning is attached to the next assistant message. Arguments are {@link CanonicalJson}.</li>
 * </ul>
 * This class keeps the turn's bookkeeping: which items are open, the agent text streamed so far,
 * and the messages kept. What each item kind becomes is {@code ItemMessages}' job (with
 * {@code ToolCallContent} for a tool call's arguments and result, {@code CallIds} for its id); the
 * projection of every item type is tabulated in {@code docs/transcript.md}.
 */
public final class ItemProjector {
    private static final int MAX_PARTIAL_CHARS = 1 << 20;
    /** The only notifications the projector reads; the JSON entry point decodes nothing else. */
    private static final Set<String> PROJECTED_METHODS = Set.of(ServerNotifications.ITEM_STARTED.method(),
            ServerNotifications.ITEM_COMPLETED.method(), ServerNotifications.ITEM_AGENT_MESSAGE_DELTA.method());

    private final ItemMessages itemMessages;
    /** Null when the owner takes each projection as it comes and nothing is kept here. */
    private final List<TranscriptMessage> messages;
    private final Map<String, ThreadItem> open = new LinkedHashMap<>();
    private final Map<String, StringBuilder> partialText = new HashMap<>();
    /** Lines to put before an item's tool result, by item id (see noteResult). */
    private final Map<String, String> resultNotes = new HashMap<>();

    public ItemProjector() {
        this(ProjectorOptions.DEFAULT);
    }

    public ItemProjector(ProjectorOptions options) {
        this(options, true);
    }

    /**
     * @param keepMessages whether {@link #messages()} keeps every message; without it the projector
     *                     holds only the items still open, and the caller keeps what it is handed
     */
    public ItemProjector(ProjectorOptions options, boolean keepMessages) {
        this.itemMessages = new ItemMessages(options);
        this.messages = keepMessages ? new ArrayList<>() : null;
    }

    /**
     * Feeds one decoded notification; returns the messages it produced (usually none or two). Each
     * notification the projector reads has a params type of its own, so the type routes it.
     */
    public List<TranscriptMessage> onNotification(ServerNotification notification) {
        if (notification instanceof ItemStartedNotification n) {
            started(orMissing(n.item()));
        } else if (notification instanceof ItemCompletedNotification n) {
            return completed(orMissing(n.item()));
        } else if (notification instanceof AgentMessageDeltaNotification n) {
            delta(orEmpty(n.itemId()), orEmpty(n.delta()));
        }
        return List.of();
    }

    /**
     * Feeds one notification as JSON, decoded as the client decodes it: params that do not fit the
     * schema, and methods the projector does not read, become {@link ServerNotification.Unknown}.
     */
    public List<TranscriptMessage> onNotification(String method, @Nullable JsonNode params) {
        return onNotification(decode(method, params));
    }

    /** {@link #onNotification(String, JsonNode)} with the params as JSON text (or null). */
    public List<TranscriptMessage> onNotificationJson(String method, @Nullable String params) {
        return onNotification(method, Json.parseHostJson(params, "params", false));
    }

    private static ServerNotification decode(String method, JsonNode params) {
        // only what the projector reads is worth decoding
        return params != null && PROJECTED_METHODS.contains(method)
                ? ProtocolDecoder.notification(method, params) : new ServerNotification.Unknown(method, params);
    }

    /** Remembers an item that started, in case it never completes. */
    public void started(ThreadItem item) {
        String id = idOf(item);
        if (!id.isEmpty()) {
            open.put(id, item);
        }
    }

    /** Remembers streamed agent text, used only if the message never completes. */
    public void delta(String itemId, String delta) {
        if (itemId.isEmpty()) {
            return;
        }
        StringBuilder sb = partialText.computeIfAbsent(itemId, k -> new StringBuilder());
        if (sb.length() < MAX_PARTIAL_CHARS) {
            sb.append(delta, 0, Math.min(delta.length(), MAX_PARTIAL_CHARS - sb.length()));
        }
    }

    /** Projects a completed item. */
    public List<TranscriptMessage> completed(ThreadItem item) {
        String id = idOf(item);
        open.remove(id);
        partialText.remove(id);
        return project(item, false);
    }

    /**
     * Ends the turn: items that started but never completed are projected now, marked incomplete
     * (an agent message with the text streamed so far). Returns those messages.
     */
    public List<TranscriptMessage> finish() {
        List<TranscriptMessage> out = new ArrayList<>();
        for (ThreadItem item : new ArrayList<>(open.values())) {
            ThreadItem closing = item;
            StringBuilder partial = partialText.remove(idOf(item));
            if (item instanceof ThreadItem.AgentMessage message && partial != null && orEmpty(message.text()).isEmpty()) {
                closing = message.toBuilder().text(partial.toString()).build();
            }
            out.addAll(project(closing, true));
        }
        open.clear();
        return out;
    }

    /**
     * A line to put before the tool result of item {@code itemId} when it is projected (when it
     * completes, or at {@link #finish()}): how the call ended where codex's item cannot say, e.g.
     * that the request it waited on was answered by another client. Items that give no tool
     * result are left as they are.
     */
    public void noteResult(String itemId, String note) {
        resultNotes.put(itemId, note);
    }

    /** Every message so far, in order; empty when the projector was made not to keep them. */
    public List<TranscriptMessage> messages() {
        return messages == null ? List.of() : List.copyOf(messages);
    }

    /** Tool-shaped items seen (commands, file changes, MCP, dynamic tools, web searches, …). */
    public int toolIterations() {
        return itemMessages.toolCalls();
    }

    /** The turn's answer: the last agent message marked {@code final_answer}, else the last agent message; null when there was none. */
    public @Nullable String finalText() {
        return itemMessages.finalText();
    }

    private List<TranscriptMessage> project(ThreadItem item, boolean incomplete) {
        List<TranscriptMessage> out = itemMessages.of(item, incomplete);
        String note = resultNotes.isEmpty() ? null : resultNotes.remove(idOf(item));
        if (note != null) {
            out = withNote(out, note);
        }
        if (messages != null) {
            messages.addAll(out);
        }
        return out;
    }

    private static List<TranscriptMessage> withNote(List<TranscriptMessage> messages, String note) {
        List<TranscriptMessage> out = new ArrayList<>(messages.size());
        for (TranscriptMessage m : messages) {
            out.add(m.role() != TranscriptMessage.Role.TOOL ? m : new TranscriptMessage(m.role(),
                    m.content() == null || m.content().isEmpty() ? note : note + "\n" + m.content(),
                    m.toolCalls(), m.toolCallId(), m.reasoning(), m.incomplete()));
        }
        return out;
    }

    /** A notification without its item is projected as today's missing item: an opaque, untyped one. */
    private static ThreadItem orMissing(ThreadItem item) {
        return item != null ? item : new ThreadItem.Unknown(Json.nodes().missingNode());
    }
}
