package dev.codexbridge.transcript;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import dev.codexbridge.json.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The hand-written serializer writes what the record's annotations say, as Jackson's bean
 * serializer would: checked against that serializer for every combination of present and
 * absent members, with text that JSON and the terminal must escape.
 */
class TranscriptMessageSerializerTest {
    /** The project's mapper with the records' annotations read as Jackson reads them, but no custom serializer. */
    private static final ObjectMapper BEANS = Json.mapper().copy().setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
        @Override
        public Object findSerializer(Annotated a) {
            return a.getRawType() == TranscriptMessage.class ? null : super.findSerializer(a);
        }
    });

    @Test
    void everyShapeIsWrittenAsTheBeanSerializerWritesIt() throws Exception {
        List<String> texts = Arrays.asList(null, "", "line\n\ttab \u0001 \"quoted\" é 𝄞 \u2028 \u007f");
        List<List<TranscriptMessage.ToolCall>> calls = Arrays.asList(null, List.of(), List.of(
                TranscriptMessage.ToolCall.function("call_1", "shell", "{\"command\":\"ls\"}",
                        new TranscriptMessage.Source("commandExecution", null, null, "exec_command", "item-1")),
                new TranscriptMessage.ToolCall("call_2", null, new TranscriptMessage.Function(null, null))));
        List<TranscriptMessage> messages = new ArrayList<>();
        for (TranscriptMessage.Role role : TranscriptMessage.Role.values()) {
            for (String content : texts) {
                for (List<TranscriptMessage.ToolCall> toolCalls : calls) {
                    for (String callId : Arrays.asList(null, "call_1")) {
                        for (String reasoning : texts) {
                            for (boolean incomplete : new boolean[] {false, true}) {
                                messages.add(new TranscriptMessage(role, content, toolCalls, callId, reasoning, incomplete));
                            }
                        }
                    }
                }
            }
        }
        assertThat(messages).hasSize(3 * 3 * 3 * 2 * 3 * 2);
        for (TranscriptMessage m : messages) {
            assertThat(Json.write(m)).as("%s", m).isEqualTo(BEANS.writeValueAsString(m));
        }
        // and inside other values, as TurnResult's messages are
        assertThat(Json.write(messages)).isEqualTo(BEANS.writeValueAsString(messages));
        // the custom serializer is the one in use (else this test compares the bean serializer with itself)
        assertThat(Json.mapper().getSerializerProviderInstance().findValueSerializer(TranscriptMessage.class))
                .isInstanceOf(TranscriptMessageSerializer.class);
    }

    @Test
    void aMessageStillReadsBackFromItsJson() throws Exception {
        TranscriptMessage call = TranscriptMessage.toolCall(TranscriptMessage.ToolCall.function("call_1", "shell", "{}"), "why", false);
        assertThat(Json.mapper().readValue(call.toJson(), TranscriptMessage.class)).isEqualTo(call);
        assertThat(call.toJson()).isEqualTo("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"shell\",\"arguments\":\"{}\"}}],\"reasoning\":\"why\"}");
    }
}
