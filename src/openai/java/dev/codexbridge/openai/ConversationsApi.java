package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The Conversations API (decision 0127): {@code /v1/conversations} and its items. A conversation
 * is a codex thread once its first response ran (a response's {@code conversation} parameter);
 * its items are its responses' input and output items in order, then the items added that codex
 * has not been sent yet — those go to codex as history with the next response. Codex keeps what
 * it was sent: an item of a response cannot be deleted, only one still waiting. Another
 * principal's conversation is answered exactly as one nobody created.
 */
final class ConversationsApi {
    /** The most items one create or add takes, as the API's own limit. */
    static final int MAX_ITEMS_AT_ONCE = 20;

    private final KeptConversations kept;
    private final ResponseRecords responses;

    ConversationsApi(KeptConversations kept, ResponseRecords responses) {
        this.kept = kept;
        this.responses = responses;
    }

    ObjectNode create(String principal, @Nullable JsonNode raw) {
        ObjectNode body = raw == null || raw.isNull() ? Json.object() : Params.body(raw);
        ArrayNode items = items(body);
        KeptConversations.State s = new KeptConversations.State(Ids.next("conv_"), principal, System.currentTimeMillis() / 1000,
                Params.metadata(body), null, Json.nodes().arrayNode()).withItems(items);
        kept.put(s);
        return s.object();
    }

    ObjectNode get(String principal, String id) {
        return kept.get(principal, id).object();
    }

    /** Replaces the conversation's metadata. */
    ObjectNode update(String principal, String id, @Nullable JsonNode raw) {
        ObjectNode body = Params.body(raw);
        if (!Params.given(body, "metadata")) {
            throw OpenAiError.invalid("metadata", "metadata is required");
        }
        ObjectNode metadata = Params.metadata(body);
        return kept.change(principal, id, s -> s.withMetadata(metadata)).object();
    }

    /** Forgets the conversation; its thread stays in codex and the store, and its responses stay readable by their ids. */
    ObjectNode delete(String principal, String id) {
        if (!kept.delete(principal, id)) {
            throw OpenAiError.notFound("Conversation", id, "conversation");
        }
        return Json.object().put("id", id).put("object", "conversation.deleted").put("deleted", true);
    }

    /** Items added: kept for the next response, which gives them to codex as history. */
    ObjectNode addItems(String principal, String id, @Nullable JsonNode raw) {
        ArrayNode added = items(Params.body(raw));
        if (added.isEmpty()) {
            throw OpenAiError.invalid("items", "items is required: a list of 1 to " + MAX_ITEMS_AT_ONCE + " messages");
        }
        kept.change(principal, id, s -> s.withItems(added));
        return list(itemsOf(added), false);
    }

    ObjectNode item(String principal, String id, String itemId) {
        for (JsonNode item : chunks(kept.get(principal, id), true)) {
            if (item.path("id").asText().equals(itemId)) {
                return (ObjectNode) item;
            }
        }
        throw OpenAiError.notFound("Item", itemId, null);
    }

    /** Deletes an item still waiting for the next response; one codex was sent stays (400), as codex keeps it. */
    ObjectNode deleteItem(String principal, String id, String itemId) {
        KeptConversations.State state = kept.change(principal, id, s -> {
            KeptConversations.State without = s.withoutPending(itemId);
            if (without != null) {
                return without;
            }
            item(principal, id, itemId);        // 404 when it is none of the conversation's
            throw OpenAiError.invalid("item_id", "item '" + itemId + "' was sent to codex with a response, and codex's thread keeps "
                    + "what it was sent: only an item added since the last response can be deleted");
        });
        return state.object();
    }

    /** A page of the items: {@code order} (default desc), {@code limit} (1 – 100, default 20), {@code after}; the responses read as far as the page needs. */
    ObjectNode listItems(String principal, String id, Map<String, String> query) {
        KeptConversations.State s = kept.get(principal, id);
        boolean ascending = "asc".equals(query.getOrDefault("order", "desc"));
        int limit;
        try {
            limit = Integer.parseInt(query.getOrDefault("limit", "20"));
        } catch (NumberFormatException e) {
            limit = 0;
        }
        if (limit < 1 || limit > 100) {
            throw OpenAiError.invalid("limit", "limit must be a number from 1 to 100");
        }
        String after = query.get("after");
        List<JsonNode> page = new ArrayList<>();
        boolean passed = after == null;
        boolean more = false;
        for (JsonNode item : chunks(s, ascending)) {
            if (!passed) {
                passed = item.path("id").asText().equals(after);
                continue;
            }
            if (page.size() == limit) {
                more = true;
                break;
            }
            page.add(item);
        }
        return list(page, more);
    }

    /** The conversation's items in order, or newest first: each response's read only when the walk reaches it. */
    private Iterable<JsonNode> chunks(KeptConversations.State s, boolean ascending) {
        List<JsonNode> entries = itemsOf(s.entries());
        if (!ascending) {
            Collections.reverse(entries);
        }
        return () -> new java.util.Iterator<>() {
            private final java.util.Iterator<JsonNode> next = entries.iterator();
            private java.util.Iterator<JsonNode> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext()) {
                    if (!next.hasNext()) {
                        return false;
                    }
                    JsonNode entry = next.next();
                    current = entry.has("item") ? List.of(entry.get("item")).iterator()
                            : itemsOfResponse(s.principal(), entry.path("response").asText(), ascending).iterator();
                }
                return true;
            }

            @Override
            public JsonNode next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return current.next();
            }
        };
    }

    /** A response's input items, then its output, as the conversation lists them; none when it is no longer kept. */
    private List<JsonNode> itemsOfResponse(String principal, String responseId, boolean ascending) {
        List<JsonNode> items = new ArrayList<>();
        responses.get(principal, responseId).ifPresent(e -> {
            e.inputItems().forEach(items::add);
            e.response().path("output").forEach(items::add);
        });
        if (!ascending) {
            Collections.reverse(items);
        }
        return items;
    }

    /**
     * {@code body.items}: at most {@value #MAX_ITEMS_AT_ONCE}, each kept with an id: messages as the
     * API lists input items, and what a client keeps of a run (the Agents SDK's session: function
     * calls and their outputs, the door's own output items) as given.
     */
    static ArrayNode items(ObjectNode body) {
        JsonNode given = body.get("items");
        if (given == null || given.isNull()) {
            return Json.nodes().arrayNode();
        }
        if (!given.isArray() || given.size() > MAX_ITEMS_AT_ONCE) {
            throw OpenAiError.invalid("items", "items must be a list of at most " + MAX_ITEMS_AT_ONCE + " items");
        }
        ArrayNode kept = Json.nodes().arrayNode();
        for (int i = 0; i < given.size(); i++) {
            JsonNode item = given.get(i);
            String param = "items[" + i + "]";
            String type = item.path("type").asText("message");
            if (type.equals("message")) {
                ObjectNode message = (ObjectNode) InputItems.of(List.of(Message.ofResponses(item, param)), List.of()).get(0);
                if (item.path("id").isTextual()) {
                    message.put("id", item.path("id").asText());
                }
                kept.add(message);
            } else if (type.equals("function_call") || type.equals("function_call_output") || type.equals("mcp_approval_response")
                    || ResponseRequest.RESENT_OUTPUT.contains(type)) {
                ObjectNode copy = ((ObjectNode) item).deepCopy();
                if (!copy.path("id").isTextual()) {
                    copy.put("id", Ids.next("item_"));
                }
                kept.add(copy);
            } else {
                throw OpenAiError.unsupported(param, "items of type " + type + " are not supported by this server: add messages, "
                        + "function calls and their outputs");
            }
        }
        return kept;
    }

    /** What codex is given of kept items as history: their messages, calls and outputs, in order. */
    static List<Message> messages(ArrayNode items) {
        for (JsonNode item : items) {
            String type = item.path("type").asText("message");
            if (!ResponseRequest.RESENT_OUTPUT.contains(type) && !type.equals("mcp_approval_response")) {
                return ResponseRequest.messages(items, 0);
            }
        }
        return List.of();       // none codex is given: the door's own output items, which its thread holds
    }

    private static List<JsonNode> itemsOf(ArrayNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    private static ObjectNode list(List<JsonNode> page, boolean more) {
        ObjectNode list = Json.object().put("object", "list");
        ArrayNode data = list.putArray("data");
        page.forEach(data::add);
        list.put("first_id", page.isEmpty() ? null : page.get(0).path("id").asText());
        list.put("last_id", page.isEmpty() ? null : page.get(page.size() - 1).path("id").asText());
        list.put("has_more", more);
        return list;
    }
}
