package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Function;

/** What a binding answers a call with: one JSON body, or a task's events as SSE, each framed by the binding. */
sealed interface A2aReply {
    record Body(int status, JsonNode json) implements A2aReply {
    }

    /** {@code frame} turns an internal event into the SSE {@code data} the binding and version send. */
    record Stream(TaskStream events, A2aTask task, Function<ObjectNode, JsonNode> frame) implements A2aReply {
    }
}
