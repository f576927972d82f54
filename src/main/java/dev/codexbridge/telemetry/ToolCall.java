package dev.codexbridge.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadItem;

/**
 * A tool-shaped item as an {@code execute_tool} span sees it: name, type, call id, status, and
 * (only recorded with content capture) arguments and result. Null for items that are not tool calls.
 */
record ToolCall(String id, String name, String type, String status, String mcpServer, Integer exitCode, boolean failed,
                String arguments, String result) {

    static ToolCall of(ThreadItem item) {
        if (item instanceof ThreadItem.CommandExecution c) {
            String status = wire(c.status());
            return new ToolCall(c.id(), "commandExecution", "extension", status, null, c.exitCode(),
                    failed(status) || c.exitCode() != null && c.exitCode() != 0, c.command(), c.aggregatedOutput());
        }
        if (item instanceof ThreadItem.FileChange f) {
            String status = wire(f.status());
            return new ToolCall(f.id(), "fileChange", "extension", status, null, null, failed(status),
                    f.changes() == null ? null : Json.tree(f.changes()).toString(), null);
        }
        if (item instanceof ThreadItem.McpToolCall m) {
            String status = wire(m.status());
            return new ToolCall(m.id(), m.tool(), "extension", status, m.server(), null, failed(status) || m.error() != null,
                    text(m.arguments()), m.result() == null ? null : Json.tree(m.result()).toString());
        }
        if (item instanceof ThreadItem.DynamicToolCall d) {
            String status = wire(d.status());
            return new ToolCall(d.id(), d.tool(), "function", status, null, null,
                    failed(status) || Boolean.FALSE.equals(d.success()), text(d.arguments()),
                    d.contentItems() == null ? null : Json.tree(d.contentItems()).toString());
        }
        if (item instanceof ThreadItem.CollabAgentToolCall a) {
            String status = wire(a.status());
            return new ToolCall(a.id(), a.tool() == null ? "collabAgent" : wire(a.tool()), "extension", status, null, null,
                    failed(status), a.prompt(), null);
        }
        if (item instanceof ThreadItem.WebSearch w) {
            return new ToolCall(w.id(), "webSearch", "extension", null, null, null, false, w.query(), null);
        }
        return null;
    }

    private static boolean failed(String status) {
        return "failed".equals(status) || "declined".equals(status);
    }

    /** An enum's wire name, as the generated types serialize it. */
    private static String wire(Object value) {
        return value == null ? null : Json.tree(value).asText();
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.toString();
    }
}
