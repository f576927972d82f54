package dev.codexbridge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transcript.TranscriptMessage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * A turn's {@code --json} result, written as the turn runs: <code>{"messages":[</code> and each message
 * as the transcript grows (on the turn's dispatch thread), then, once the turn has ended (on the
 * caller's thread, after the turn's future completed), the result's other fields and the line's end.
 */
final class StreamedResult {
    private final PrintStream out;
    private TerminalJson.Output json;

    StreamedResult(PrintStream out) {
        this.out = out;
    }

    void messages(List<TranscriptMessage> messages) {
        begin();
        messages.forEach(json::value);
    }

    /** Ends the object with {@code result}'s other fields; with null (no result: the turn threw), ends what was begun. */
    void end(TurnResult result) {
        if (result == null && json == null) {
            return;
        }
        begin();
        try {
            json.generator.writeEndArray();
            if (result != null) {
                ObjectNode fields = Json.mapper().valueToTree(result);
                fields.remove("messages");
                for (var field : (Iterable<Map.Entry<String, JsonNode>>) fields::fields) {
                    json.generator.writeFieldName(field.getKey());
                    json.value(field.getValue());
                }
            }
            json.generator.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            json.close();
        }
        out.println();
    }

    private void begin() {
        if (json == null) {
            json = TerminalJson.open(out);
            try {
                json.generator.writeStartObject();
                json.generator.writeFieldName("messages");
                json.generator.writeStartArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
