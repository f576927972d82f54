package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.testkit.ModelReply;
import dev.langchain4j.agentic.Agent;
import dev.langchain4j.agentic.AgenticServices;
import dev.langchain4j.service.V;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LangChain4j's agentic {@code a2aBuilder} using codex as a sub-agent, against the real codex on
 * the scripted model. Its client sends no token, so the server serves calls without one as an
 * anonymous principal ({@link A2aServer.Builder#anonymous}).
 */
class A2aLangChain4jLiveTest {
    @TempDir
    Path tmp;
    private LiveA2a live;

    public interface CodexAgent {
        @Agent(description = "Codex, reached over A2A")
        String ask(@V("request") String request);
    }

    @AfterEach
    void tearDown() {
        if (live != null) {
            live.close();
        }
    }

    @Test
    void codexAnswersAsALangChain4jSubAgent() throws Exception {
        live = new LiveA2a(tmp).boot(h -> { }, A2aLimits.DEFAULTS, "langchain4j");
        live.model.enqueue(ModelReply.message("Hello from codex, sub-agent."));
        CodexAgent codex = AgenticServices.a2aBuilder(live.server.uri().toString(), CodexAgent.class)
                .inputKeys("request").outputKey("answer").build();
        assertThat(codex.ask("say hello")).isEqualTo("Hello from codex, sub-agent.");
        assertThat(live.model.responsesRequests().get(0).lastUserText()).hasValue("say hello");
        // a token that is given must still be valid
        HttpResponse<String> wrong = HttpClient.newHttpClient().send(HttpRequest.newBuilder(live.server.uri())
                .header("Authorization", "Bearer not-a-token-0123456789")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tasks/get\",\"params\":{\"id\":\"x\"}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
    }
}
