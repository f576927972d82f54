package dev.codexbridge.mcp;

import dev.codexbridge.CodexException;

/** A tool call refused before codex was asked (bad arguments, a limit, a thread that is not the caller's); its message is the tool result's text. */
class McpCallException extends CodexException {
    McpCallException(String message) {
        super(message);
    }
}
