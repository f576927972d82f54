package dev.codexbridge.transcript;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Codex's own work in a turn's transcript (its commands, file changes, MCP calls and their output)
 * as short lines of text. A chat-model adapter shows these beside the answer (LangChain4j as
 * thinking text, Spring AI in the response metadata); the application's own tools are not work,
 * since the framework already has them as tool calls and results.
 */
public final class CodexWork {
    private static final String DYNAMIC = "dynamicToolCall";
    /** A command's output can be long; a line shows its start. */
    private static final int MAX_OUTPUT = 2000;

    private CodexWork() {
    }

    /**
     * Whether {@code m} is codex's own work: a tool call that is not a dynamic tool's, or the
     * output of one. {@code dynamicCallIds} holds the ids of the dynamic tool calls seen so far in
     * the conversation; this adds each it meets, so that their results are told apart too.
     */
    public static boolean isWork(TranscriptMessage m, Set<String> dynamicCallIds) {
        if (m.toolCalls() != null && !m.toolCalls().isEmpty()) {
            TranscriptMessage.ToolCall call = m.toolCalls().get(0);
            boolean dynamic = call.source() != null && DYNAMIC.equals(call.source().itemType());
            if (dynamic) {
                dynamicCallIds.add(call.id());
            }
            return !dynamic && !dynamicCallIds.contains(call.id());
        }
        return m.role() == TranscriptMessage.Role.TOOL && !dynamicCallIds.contains(m.toolCallId());
    }

    /** One message of work as a line: {@code [codex] tool arguments}, or {@code [codex] -> output}. */
    public static String line(TranscriptMessage m) {
        if (m.toolCalls() != null && !m.toolCalls().isEmpty()) {
            TranscriptMessage.Function f = m.toolCalls().get(0).function();
            return "[codex] " + f.name() + " " + f.arguments();
        }
        String out = m.content() == null ? "" : m.content();
        return "[codex] -> " + (out.length() > MAX_OUTPUT ? out.substring(0, MAX_OUTPUT) + "…" : out);
    }

    /** The work's lines, one per message. */
    public static String text(List<TranscriptMessage> work) {
        return work.stream().map(CodexWork::line).collect(Collectors.joining("\n"));
    }
}
