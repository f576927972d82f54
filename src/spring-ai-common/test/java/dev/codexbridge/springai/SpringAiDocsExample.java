package dev.codexbridge.springai;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.CommandRules;
import dev.codexbridge.session.ThreadStore;
import java.nio.file.Path;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * docs/spring-ai.md's smallest application, compiled against both Spring AI generations (this
 * folder is in both modules' tests; DocsJavaBlocksTest checks the doc shows it as compiled).
 */
final class SpringAiDocsExample {
    static final class WeatherTools {
        @Tool(description = "The weather in a city today")
        String weather(@ToolParam(description = "the city") String city) {
            return "Sunny in " + city;
        }
    }

    private SpringAiDocsExample() {
    }

    static String ask(String userId) {
        // docs/spring-ai.md:BEGIN
        CodexChatModel codex = CodexChatModel.builder()
                .cwd(Path.of("/srv/work"))
                .approvals(ApprovalPolicy.builder().commandRules(CommandRules.builder().allowPrograms("ls", "cat").build()).build())
                .threadStore(ThreadStore.file(Path.of("/var/lib/my-app/codex-threads.properties")))
                .build();
        ChatMemory memory = MessageWindowChatMemory.builder().maxMessages(20).build();
        ChatClient chat = ChatClient.builder(codex)
                .defaultAdvisors(MessageChatMemoryAdvisor.builder(memory).build(), CodexConversationAdvisor.create())
                .build();

        String answer = chat.prompt()
                .user("What is the weather in Paris?")
                .tools(new WeatherTools())                                   // a class with @Tool methods
                .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, userId))  // one codex thread per user
                .call()
                .content();
        // docs/spring-ai.md:END
        codex.close();
        return answer;
    }
}
