package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.session.TurnResult;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How a task's turn ends in A2A (docs/a2a.md, "Outcomes"): the state, the status message, the
 * metadata kept with the task (null when the turn failed before codex ran it), and the artifacts
 * a completed turn adds. A completed turn's message is the agent's reply, kept in the history.
 */
record TaskEnd(String state, ObjectNode message, @Nullable ObjectNode metadata, List<ObjectNode> artifacts) {

    /** The end of task {@code taskId}'s turn: its result, or {@code failure} (null too: the turn did not start). */
    static TaskEnd of(String taskId, String contextId, @Nullable TurnResult r, @Nullable Throwable failure, boolean structured) {
        if (r == null) {
            String why = failure == null ? "the turn did not start" : String.valueOf(failure.getMessage());
            // a message this replica refused to run says so: its id may then be sent again, and runs (decision 0117)
            ObjectNode meta = failure instanceof NotRun ? A2aWire.object().put("safeToSendAgain", true) : null;
            return new TaskEnd(A2aTask.FAILED, say(taskId, contextId, "codex failed: " + why), meta, List.of());
        }
        ObjectNode meta = A2aWire.object().put("codexOutcome", r.status().wire()).put("safeToSendAgain", r.status().safeToSendAgain());
        if (r.threadId() != null) {
            meta.put("codexThreadId", r.threadId());
        }
        if (r.storeFailed()) {
            // completed, but kept only on the app-server that ran it until a later store succeeds (decision 0082)
            meta.put("storeFailed", true);
        }
        String error = r.error() == null ? r.status().wire() : r.error().message();
        return switch (r.status()) {
            case COMPLETED -> {
                String answer = r.finalText() == null ? "" : r.finalText();
                List<ObjectNode> artifacts = new ArrayList<>();
                artifacts.add(A2aWire.artifact("answer-" + taskId, "answer", A2aWire.textPart(answer)));
                if (structured) {
                    artifacts.add(A2aWire.artifact("structured-output-" + taskId, "structured-output",
                            A2aWire.dataPart(A2aWire.structuredData(answer))));
                }
                yield new TaskEnd(A2aTask.COMPLETED, say(taskId, contextId, answer), meta, artifacts);
            }
            case INTERRUPTED -> new TaskEnd(A2aTask.CANCELED, say(taskId, contextId, "codex's turn was interrupted"), meta, List.of());
            case FAILED, TIMED_OUT -> new TaskEnd(A2aTask.FAILED, say(taskId, contextId,
                    "codex's turn " + r.status().wire() + ": " + error), meta, List.of());
            case NOT_RECEIVED -> new TaskEnd(A2aTask.FAILED, say(taskId, contextId,
                    "codex never received this message; sending it again is safe"), meta, List.of());
            case UNKNOWN -> new TaskEnd(A2aTask.UNKNOWN, say(taskId, contextId,
                    "the connection to codex was lost; codex may have run this turn to its end. " + error), meta, List.of());
        };
    }

    /**
     * Whether a task in {@code state} with {@code metadata} ended without codex running its message
     * ({@code safeToSendAgain}): that message sent again is a new task, not this one (decision 0117).
     */
    static boolean notRun(String state, com.fasterxml.jackson.databind.JsonNode metadata) {
        return A2aTask.FAILED.equals(state) && metadata.path("safeToSendAgain").asBoolean(false);
    }

    /** A task's message not run here: codex never heard of it, so sending it again is safe. */
    static final class NotRun extends dev.codexbridge.CodexException {
        private static final long serialVersionUID = 1L;

        NotRun(String message) {
            super(message);
        }
    }

    /** The same end told by another status message. */
    TaskEnd saying(ObjectNode other) {
        return new TaskEnd(state, other, metadata, artifacts);
    }

    private static ObjectNode say(String taskId, String contextId, String text) {
        return A2aWire.agentMessage(taskId, contextId, A2aWire.textPart(text));
    }
}
