/**
 * Codex as an MCP server (docs/mcp.md): the {@code codex} and {@code codex-reply} tools of the
 * removed {@code codex mcp-server}, over stdio and Streamable HTTP, on the MCP Java SDK. Entry
 * point: {@link dev.codexbridge.mcp.CodexMcpServer}.
 */
@NullMarked
package dev.codexbridge.mcp;

import org.jspecify.annotations.NullMarked;
