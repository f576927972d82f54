package dev.codexbridge.transcript;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;

/**
 * The chat-shape JSON of a {@link TranscriptMessage}, written field by field. A long turn writes
 * hundreds of thousands of these, and the bean serializer reaches every record component by
 * reflection and checks its inclusion rule each time; this writes the same text (the annotations
 * on the records say what it is, and {@code TranscriptMessageSerializerTest} holds the two
 * together): {@code content} always, {@code null} included; every other member only when not null.
 */
final class TranscriptMessageSerializer extends StdSerializer<TranscriptMessage> {
    private static final SerializableString ROLE = new SerializedString("role");
    private static final SerializableString CONTENT = new SerializedString("content");
    private static final SerializableString TOOL_CALLS = new SerializedString("tool_calls");
    private static final SerializableString TOOL_CALL_ID = new SerializedString("tool_call_id");
    private static final SerializableString REASONING = new SerializedString("reasoning");
    private static final SerializableString ID = new SerializedString("id");
    private static final SerializableString TYPE = new SerializedString("type");
    private static final SerializableString FUNCTION = new SerializedString("function");
    private static final SerializableString NAME = new SerializedString("name");
    private static final SerializableString ARGUMENTS = new SerializedString("arguments");

    TranscriptMessageSerializer() {
        super(TranscriptMessage.class);
    }

    @Override
    public void serialize(TranscriptMessage m, JsonGenerator g, SerializerProvider provider) throws IOException {
        g.writeStartObject(m);
        g.writeFieldName(ROLE);
        g.writeString(m.role().wire());
        g.writeFieldName(CONTENT);
        if (m.content() == null) {
            g.writeNull();
        } else {
            g.writeString(m.content());
        }
        if (m.toolCalls() != null) {
            g.writeFieldName(TOOL_CALLS);
            g.writeStartArray(m.toolCalls(), m.toolCalls().size());
            for (TranscriptMessage.ToolCall call : m.toolCalls()) {
                g.writeStartObject(call);
                string(g, ID, call.id());
                string(g, TYPE, call.type());
                g.writeFieldName(FUNCTION);
                g.writeStartObject(call.function());
                string(g, NAME, call.function().name());
                string(g, ARGUMENTS, call.function().arguments());
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        string(g, TOOL_CALL_ID, m.toolCallId());
        string(g, REASONING, m.reasoning());
        g.writeEndObject();
    }

    private static void string(JsonGenerator g, SerializableString name, String value) throws IOException {
        if (value != null) {
            g.writeFieldName(name);
            g.writeString(value);
        }
    }
}
