package dev.codexbridge.springai;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.transcript.TranscriptMessage;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/** Codex's own work (commands, file changes, MCP calls) as transcript lines for the framework. */
final class Work {
    private static final Logger LOG = SafeLogger.getLogger(Work.class);
    private static final String DYNAMIC = "dynamicToolCall";
    private static final int MAX_OUTPUT = 2000;

    private Work() {
    }

    /**
     * Codex's own tool calls and their output; not the answer, and not the application's tools
     * (the framework has those as tool execution requests and results).
     */
    static boolean isWork(TranscriptMessage m, Set<String> dynamicCallIds) {
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

    static String line(TranscriptMessage m) {
        if (m.toolCalls() != null && !m.toolCalls().isEmpty()) {
            TranscriptMessage.Function f = m.toolCalls().get(0).function();
            return "[codex] " + f.name() + " " + f.arguments();
        }
        String out = m.content() == null ? "" : m.content();
        return "[codex] -> " + (out.length() > MAX_OUTPUT ? out.substring(0, MAX_OUTPUT) + "…" : out);
    }

    static String text(List<TranscriptMessage> work) {
        return work.stream().map(Work::line).collect(Collectors.joining("\n"));
    }

    /** The application's listener throwing must not disturb the turn. */
    static void safely(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("the streaming handler threw", e);
        }
    }
}
