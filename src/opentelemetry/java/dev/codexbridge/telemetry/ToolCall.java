package dev.codexbridge.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadItem;

/**
 * A tool-shaped item as an {@code execute_tool} span sees it: name, type, call id and status. Its
 * arguments and result are read from the item only when asked for, that is only with content
 * capture: turning a file change's diff into JSON on every item, for nothing, was most of a tool
 * span's cost (docs/performance.md, "Telemetry overhead"). Null for items that are not tool calls.
 */
record ToolCall(String id, String name, String type, String status, String mcpServer, Integer exitCode, boolean failed,
                ThreadItem item) {

    static ToolCall of(ThreadItem item) {
        if (item instanceof ThreadItem.CommandExecution c) {
            String status = c.status() == null ? null : c.status().wire();
            return new ToolCall(c.id(), "commandExecution", "extension", status, null, c.exitCode(),
                    failed(status) || c.exitCode() != null && c.exitCode() != 0, item);
        }
        if (item instanceof ThreadItem.FileChange f) {
            String status = f.status() == null ? null : f.status().wire();
            return new ToolCall(f.id(), "fileChange", "extension", status, null, null, failed(status), item);
        }
        if (item instanceof ThreadItem.McpToolCall m) {
            String status = m.status() == null ? null : m.status().wire();
            return new ToolCall(m.id(), m.tool(), "extension", status, m.server(), null, failed(status) || m.error() != null, item);
        }
        if (item instanceof ThreadItem.DynamicToolCall d) {
            String status = d.status() == null ? null : d.status().wire();
            return new ToolCall(d.id(), d.tool(), "function", status, null, null,
                    failed(status) || Boolean.FALSE.equals(d.success()), item);
        }
        if (item instanceof ThreadItem.CollabAgentToolCall a) {
            String status = a.status() == null ? null : a.status().wire();
            return new ToolCall(a.id(), a.tool() == null ? "collabAgent" : a.tool().wire(), "extension", status, null, null,
                    failed(status), item);
        }
        if (item instanceof ThreadItem.WebSearch w) {
            return new ToolCall(w.id(), "webSearch", "extension", null, null, null, false, item);
        }
        return null;
    }

    /** What the tool was called with, as text; null when the item carries none. */
    String arguments() {
        if (item instanceof ThreadItem.CommandExecution c) {
            return c.command();
        }
        if (item instanceof ThreadItem.FileChange f) {
            return f.changes() == null ? null : Json.tree(f.changes()).toString();
        }
        if (item instanceof ThreadItem.McpToolCall m) {
            return text(m.arguments());
        }
        if (item instanceof ThreadItem.DynamicToolCall d) {
            return text(d.arguments());
        }
        if (item instanceof ThreadItem.CollabAgentToolCall a) {
            return a.prompt();
        }
        return item instanceof ThreadItem.WebSearch w ? w.query() : null;
    }

    /** What the tool returned, as text; null when the item carries none. */
    String result() {
        if (item instanceof ThreadItem.CommandExecution c) {
            return c.aggregatedOutput();
        }
        if (item instanceof ThreadItem.McpToolCall m) {
            return m.result() == null ? null : Json.tree(m.result()).toString();
        }
        if (item instanceof ThreadItem.DynamicToolCall d) {
            return d.contentItems() == null ? null : Json.tree(d.contentItems()).toString();
        }
        return null;
    }

    private static boolean failed(String status) {
        return "failed".equals(status) || "declined".equals(status);
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.toString();
    }
}
