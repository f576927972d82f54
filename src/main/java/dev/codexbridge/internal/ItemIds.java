package dev.codexbridge.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.protocol.ThreadItem;

/** A thread item's id, read from the typed item: the generated union has no common accessor. Not API. */
public final class ItemIds {
    private ItemIds() {
    }

    /** The item's id, or null when it has none; one arm per variant of the union. */
    public static String of(ThreadItem item) {
        String id;
        if (item instanceof ThreadItem.UserMessage i) {
            id = i.id();
        } else if (item instanceof ThreadItem.HookPrompt i) {
            id = i.id();
        } else if (item instanceof ThreadItem.AgentMessage i) {
            id = i.id();
        } else if (item instanceof ThreadItem.FunctionCallOutput i) {
            id = i.id();
        } else if (item instanceof ThreadItem.Plan i) {
            id = i.id();
        } else if (item instanceof ThreadItem.Reasoning i) {
            id = i.id();
        } else if (item instanceof ThreadItem.CommandExecution i) {
            id = i.id();
        } else if (item instanceof ThreadItem.FileChange i) {
            id = i.id();
        } else if (item instanceof ThreadItem.McpToolCall i) {
            id = i.id();
        } else if (item instanceof ThreadItem.DynamicToolCall i) {
            id = i.id();
        } else if (item instanceof ThreadItem.CollabAgentToolCall i) {
            id = i.id();
        } else if (item instanceof ThreadItem.SubAgentActivity i) {
            id = i.id();
        } else if (item instanceof ThreadItem.WebSearch i) {
            id = i.id();
        } else if (item instanceof ThreadItem.ImageView i) {
            id = i.id();
        } else if (item instanceof ThreadItem.Sleep i) {
            id = i.id();
        } else if (item instanceof ThreadItem.ImageGeneration i) {
            id = i.id();
        } else if (item instanceof ThreadItem.EnteredReviewMode i) {
            id = i.id();
        } else if (item instanceof ThreadItem.ExitedReviewMode i) {
            id = i.id();
        } else if (item instanceof ThreadItem.ContextCompaction i) {
            id = i.id();
        } else if (item instanceof ThreadItem.Unknown i) {
            JsonNode raw = i.raw() == null ? null : i.raw().get("id");
            id = raw == null || raw.isNull() ? null : raw.asText();
        } else {
            id = null;
        }
        return id;
    }
}
