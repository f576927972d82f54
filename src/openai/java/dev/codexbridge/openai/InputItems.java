package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.util.List;

/** What a request gave, as the API's {@code input_items} lists it. */
final class InputItems {
    private InputItems() {
    }

    /**
     * The request's messages as the API lists input items: each with an id, its parts in the input
     * or output shape; then the answers it gave a held turn.
     */
    static ArrayNode of(List<Message> messages, java.util.Collection<CallerAnswer> answers) {
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
