package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import dev.codexbridge.springai.CodexChatModel;
import dev.codexbridge.springai.CodexMetadata;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientCustomizer;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code codex-bridge.spring-ai.enabled=true} makes codex the application's Spring AI ChatModel,
 * on the starter's sessions: a ChatClient built as Spring AI's auto-configuration builds one (the
 * customizer beans applied) calls the application's tool mid-turn, and the application's own
 * approval handler answers codex's command.
 */
// its codex and model server end with the class: the context cache would keep them for the JVM
@DirtiesContext
@SpringBootTest(classes = HostApplication.class, properties = {"codex-bridge.spring-ai.enabled=true",
        "codex-bridge.experimental-api=true"})
class SpringAiSpringBootTest {
    private static ScriptedModelServer model;
    private static Path marker;

    @Autowired
    ChatModel chatModel;
    @Autowired
    List<ChatClientCustomizer> customizers;

    @DynamicPropertySource
    static void codex(DynamicPropertyRegistry registry) throws Exception {
        Path binary = OfflineCodex.binary();
        model = ScriptedModelServer.start();
        OfflineCodex.register(registry, binary, model, "on-request");
        registry.add("codex-bridge.session.turn-timeout", () -> "90s");
        marker = Files.createTempDirectory("spring-ai-marker").resolve("marker.txt");
    }

    @AfterAll
    static void stopModel() {
        if (model != null) {
            model.close();
        }
    }

    static final class Clock {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool(description = "The time now")
        String now() {
            calls.add("now");
            return "09:30";
        }
    }

    @Test
    void theChatModelBeanIsCodexOnTheStartersSessions() {
        assertThat(chatModel).isInstanceOf(CodexChatModel.class);
        model.enqueue(
                ModelReply.builder().dynamicToolCall("call-now", "now", Json.object()).build(),
                ModelReply.builder().execCommandEscalated("call-touch", "touch " + marker, "needs to write the marker").build(),
                ModelReply.message("It is 09:30; I could not write the marker."));
        ChatClient.Builder builder = ChatClient.builder(chatModel);
        customizers.forEach(c -> c.customize(builder));
        ChatClient chat = builder.defaultAdvisors(MessageChatMemoryAdvisor.builder(MessageWindowChatMemory.builder().build()).build())
                .build();
        Clock clock = new Clock();

        ChatResponse response = chat.prompt().user("What time is it? Then write the marker.").tools(clock)
                .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "grace")).call().chatResponse();

        assertThat(response.getResult().getOutput().getText()).isEqualTo("It is 09:30; I could not write the marker.");
        assertThat(clock.calls).containsExactly("now");
        assertThat(Files.exists(marker)).isFalse();
        assertThat(HostApplication.ASKED).anySatisfy(r -> assertThat(r.command()).contains("touch " + marker));
        // the other tests of this JVM count the host's questions: leave none of ours
        HostApplication.ASKED.removeIf(r -> r.command() != null && r.command().contains("touch " + marker));
        assertThat(CodexMetadata.threadId(response)).isEqualTo(((CodexChatModel) chatModel).threadId("grace"));
    }
}
