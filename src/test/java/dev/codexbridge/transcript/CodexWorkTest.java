package dev.codexbridge.transcript;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Codex's own work told apart from the application's dynamic tool calls, and written as lines. No codex runs here. */
class CodexWorkTest {

    private static TranscriptMessage.Source source(String itemType) {
        return new TranscriptMessage.Source(itemType, null, null, "tool", "item-1");
    }

    @Test
    void aCommandAndItsOutputAreWorkAndADynamicToolCallAndItsResultAreNot() {
        Set<String> dynamic = new HashSet<>();
        TranscriptMessage command = TranscriptMessage.toolCall(
                TranscriptMessage.ToolCall.function("call-1", "shell", "{\"cmd\":\"ls\"}", source("commandExecution")), null, false);
        TranscriptMessage weather = TranscriptMessage.toolCall(
                TranscriptMessage.ToolCall.function("call-2", "weather", "{}", source("dynamicToolCall")), null, false);

        assertThat(CodexWork.isWork(command, dynamic)).isTrue();
        assertThat(CodexWork.isWork(weather, dynamic)).isFalse();
        assertThat(dynamic).containsExactly("call-2");
        assertThat(CodexWork.isWork(TranscriptMessage.toolResult("call-1", "a.txt", false), dynamic)).isTrue();
        assertThat(CodexWork.isWork(TranscriptMessage.toolResult("call-2", "Sunny", false), dynamic)).isFalse();
        assertThat(CodexWork.isWork(TranscriptMessage.assistant("the answer", null), dynamic)).isFalse();
    }

    @Test
    void linesNameTheToolAndShortenLongOutput() {
        TranscriptMessage command = TranscriptMessage.toolCall(
                TranscriptMessage.ToolCall.function("call-1", "shell", "{\"cmd\":\"ls\"}", source("commandExecution")), null, false);
        TranscriptMessage output = TranscriptMessage.toolResult("call-1", "x".repeat(2500), false);

        assertThat(CodexWork.line(command)).isEqualTo("[codex] shell {\"cmd\":\"ls\"}");
        assertThat(CodexWork.line(output)).isEqualTo("[codex] -> " + "x".repeat(2000) + "…");
        assertThat(CodexWork.text(List.of(command, TranscriptMessage.toolResult("call-1", "a.txt", false))))
                .isEqualTo("[codex] shell {\"cmd\":\"ls\"}\n[codex] -> a.txt");
    }
}
