package dev.codexbridge.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agentic.Agent;
import dev.langchain4j.agentic.AgenticServices;
import dev.langchain4j.agentic.UntypedAgent;
import dev.langchain4j.service.UserMessage;
import dev.langchain4j.service.V;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Codex as the model of langchain4j-agentic agents, written as its documentation shows: a writer
 * agent with a tool and an editor agent in a sequence, each on a chat model of its own over one
 * shared codex app-server. The writer's tool runs mid-turn, the editor gets the writer's output
 * through the agentic scope, and each agent's conversation is a codex thread of its own.
 */
class AgenticLiveTest {
    @TempDir
    Path tmp;

    public interface Writer {
        @UserMessage("Write one sentence about {{topic}}.")
        @Agent(description = "Writes one sentence about a topic", outputKey = "story")
        String write(@V("topic") String topic);
    }

    public interface Editor {
        @UserMessage("Make this sentence shorter: {{story}}")
        @Agent(description = "Shortens a sentence", outputKey = "story")
        String edit(@V("story") String story);
    }

    static final class Facts {
        final List<String> asked = new CopyOnWriteArrayList<>();

        @Tool("A fact about a topic")
        String fact(@P(name = "topic", value = "the topic") String topic) {
            asked.add(topic);
            return "Dragons hoard gold.";
        }
    }

    @Test
    void aSequenceOfTwoAgentsRunsOnCodexWithTheWritersTool() throws Exception {
        try (LiveCodex codex = new LiveCodex(tmp, h -> { });
             CodexClient shared = CodexClient.builder().experimentalApi(true)
                     .process(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).codexHome(codex.home).build()).connect();
             CodexChatModel writerModel = CodexChatModel.builder().client(shared).cwd(codex.work)
                     .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build();
             CodexChatModel editorModel = CodexChatModel.builder().client(shared).cwd(codex.work)
                     .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build()) {
            codex.model.enqueue(
                    ModelReply.builder().dynamicToolCall("call-fact-1", "fact", Json.object().put("topic", "dragons")).build(),
                    ModelReply.message("Dragons hoard gold in their caves."),
                    ModelReply.message("Dragons hoard gold."));
            Facts facts = new Facts();
            Writer writer = AgenticServices.agentBuilder(Writer.class).chatModel(writerModel).tools(facts).outputKey("story").build();
            Editor editor = AgenticServices.agentBuilder(Editor.class).chatModel(editorModel).outputKey("story").build();
            UntypedAgent novelist = AgenticServices.sequenceBuilder().subAgents(writer, editor).outputKey("story").build();

            Object story = novelist.invoke(Map.of("topic", "dragons"));

            assertThat(story).isEqualTo("Dragons hoard gold.");
            assertThat(facts.asked).containsExactly("dragons");
            List<RecordedRequest> requests = codex.model.responsesRequests();
            assertThat(requests).hasSize(3);
            assertThat(requests.get(0).lastUserText()).hasValue("Write one sentence about dragons.");
            assertThat(requests.get(0).toolNames()).contains("fact");
            assertThat(requests.get(1).functionCallOutput("call-fact-1")).hasValueSatisfying(out -> assertThat(out).contains("gold"));
            // the editor's turn: the writer's answer through the agentic scope, on a thread of its own
            assertThat(requests.get(2).lastUserText()).hasValue("Make this sentence shorter: Dragons hoard gold in their caves.");
            assertThat(requests.get(2).userTexts()).doesNotContain("Write one sentence about dragons.");
            String writerThread = writerModel.threadId(CodexChatModel.DEFAULT_KEY).orElseThrow();
            assertThat(editorModel.threadId(CodexChatModel.DEFAULT_KEY)).hasValueSatisfying(t -> assertThat(t).isNotEqualTo(writerThread));
        }
    }
}
