package dev.codexbridge.langchain4j;

import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.ThreadStore;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agentic.Agent;
import dev.langchain4j.agentic.AgenticServices;
import dev.langchain4j.agentic.UntypedAgent;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;
import dev.langchain4j.service.V;
import java.nio.file.Path;
import java.util.Map;

/**
 * docs/langchain4j.md's samples, compiled on this module's class path (DocsJavaBlocksTest checks
 * the doc shows them as compiled); AiServicesLiveTest and AgenticLiveTest run the same on codex.
 */
final class LangChain4jDocsExamples {
    interface Writer {
        @UserMessage("Write one sentence about {{topic}}.")
        @Agent(description = "Writes one sentence about a topic", outputKey = "story")
        String write(@V("topic") String topic);
    }

    interface Editor {
        @UserMessage("Make this sentence shorter: {{story}}")
        @Agent(description = "Shortens a sentence", outputKey = "story")
        String edit(@V("story") String story);
    }

    static final class Facts {
        @Tool("A fact about a topic")
        String fact(@P(name = "topic", value = "the topic") String topic) {
            return "Dragons hoard gold.";
        }
    }

    private LangChain4jDocsExamples() {
    }

    static String smallestApplication(Path workdir, Path dataDir, ApprovalHandler askTheUser) {
        // docs/langchain4j.md#smallest:BEGIN
        interface Assistant {
            String chat(@MemoryId String user, @UserMessage String message);
        }

        class Weather {
            @Tool("The weather in a city today")
            String weather(@P(name = "city", value = "the city") String city) { return "Sunny in " + city; }
        }

        try (CodexChatModel codex = CodexChatModel.builder()
                .cwd(workdir)                                              // the threads' working folder
                .approvals(ApprovalPolicy.builder().handler(askTheUser).build())
                .threadStore(ThreadStore.file(dataDir.resolve("codex-threads.properties")))
                .build()) {
            Assistant assistant = AiServices.builder(Assistant.class)
                    .chatModel(codex)                                      // or .streamingChatModel(codex)
                    .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
                    .chatRequestTransformer(CodexChatRequestParameters.memoryIdTransformer())
                    .tools(new Weather())
                    .build();
            String answer = assistant.chat("alice", "What is the weather in Paris?");
        }
        // docs/langchain4j.md#smallest:END
        return "";
    }

    static Object agents(CodexClient shared, Path workdir) {
        // docs/langchain4j.md#agents:BEGIN
        CodexChatModel writerModel = CodexChatModel.builder().client(shared).cwd(workdir).build();
        CodexChatModel editorModel = CodexChatModel.builder().client(shared).cwd(workdir).build();
        Writer writer = AgenticServices.agentBuilder(Writer.class).chatModel(writerModel).tools(new Facts()).outputKey("story").build();
        Editor editor = AgenticServices.agentBuilder(Editor.class).chatModel(editorModel).outputKey("story").build();
        UntypedAgent novelist = AgenticServices.sequenceBuilder().subAgents(writer, editor).outputKey("story").build();
        Object story = novelist.invoke(Map.of("topic", "dragons"));
        // docs/langchain4j.md#agents:END
        writerModel.close();
        editorModel.close();
        return story;
    }
}
