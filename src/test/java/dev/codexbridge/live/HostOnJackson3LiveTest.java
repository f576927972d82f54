package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.readme.Jackson3Host;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.tool.DynamicTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A host whose own code has no Jackson 2 (decision 0031): structured output and a dynamic tool
 * through the JSON-text twins only, against the real codex and the scripted model. Once with JSON
 * text alone, once with the guide's host on Jackson 3 ({@code tools.jackson}, {@link Jackson3Host}),
 * which builds the schema and reads the arguments and the answer with its own mapper. Nothing here
 * imports {@code com.fasterxml}.
 */
class HostOnJackson3LiveTest {
    private static final String ANSWER_SCHEMA = "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"integer\"}},"
            + "\"required\":[\"answer\"],\"additionalProperties\":false}";
    private static final String TICKET_SCHEMA = "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}},\"required\":[\"id\"]}";

    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private final WireSchema.Recorder wire = new WireSchema.Recorder();

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
    }

    @AfterEach
    void tearDown() {
        if (model == null) {
            return;     // the live tests are off (-DskipLiveTests): setUp stopped before it started anything
        }
        model.close();
        assertThat(wire.sent()).isNotEmpty();
        // dynamic tools are an experimental part of codex's schema
        assertThat(WireSchema.pinnedExperimental().validateConversation(wire)).as("every message the session sent matches the schema").isEmpty();
    }

    @Test
    void structuredOutputAndADynamicToolWithJsonTextOnly() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        DynamicTool lookup = DynamicTool.ofJson("lookup_ticket", "Fetch a ticket", TICKET_SCHEMA, arguments -> {
            calls.add(arguments);
            return DynamicTool.Result.text("Ticket ABC-1 is open.");
        });
        assertThat(lookup.specJson()).isEqualTo("{\"type\":\"function\",\"name\":\"lookup_ticket\",\"description\":\"Fetch a ticket\","
                + "\"inputSchema\":" + TICKET_SCHEMA + "}");
        model.enqueue(ModelReply.builder().dynamicToolCallJson("call-dyn", "lookup_ticket", "{\"id\":\"ABC-1\"}").build(),
                ModelReply.message("{\"answer\":42}"));
        TurnOptions options = TurnOptions.builder().outputSchemaJson(ANSWER_SCHEMA).build();
        assertThat(options.outputSchemaJson()).isEqualTo(ANSWER_SCHEMA);

        try (CodexSession s = session().dynamicTool(lookup).build()) {
            TurnResult r = s.runTurn(TurnInput.text("is ABC-1 open? answer with a number"), options, TurnListener.NONE);

            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(r.error()).isNull();
            assertThat(r.finalText()).isEqualTo("{\"answer\":42}");
            assertThat(r.toolIterations()).isEqualTo(1);
        }
        assertThat(calls).containsExactly("{\"id\":\"ABC-1\"}");
        List<RecordedRequest> requests = model.responsesRequests();
        assertThat(requests.get(requests.size() - 1).functionCallOutput("call-dyn")).contains("Ticket ABC-1 is open.");
        String body = requests.get(0).bodyJson();
        assertThat(body).contains("\"json_schema\"").contains("\"answer\":{\"type\":\"integer\"}").contains("lookup_ticket");
    }

    @Test
    void theGuidesJackson3HostAnswersWithItsToolsHelp() throws Exception {
        model.enqueue(ModelReply.builder().dynamicToolCallJson("call-1", "lookup_ticket", "{\"id\":\"ABC-1\"}").build(),
                ModelReply.message("{\"open\":1}"));

        assertThat(Jackson3Host.openTickets(session(), "how many of ABC-1 are open?")).isEqualTo(1);

        List<RecordedRequest> requests = model.responsesRequests();
        assertThat(requests.get(requests.size() - 1).functionCallOutput("call-1")).contains("Ticket ABC-1 is open.");
        assertThat(model.remaining()).isZero();
        // the schema the host built with Jackson 3 reached the model as it was built
        JsonMapper mapper = JsonMapper.builder().build();
        JsonNode format = mapper.readTree(requests.get(0).bodyJson()).path("text").path("format");
        assertThat(format.path("type").asString()).isEqualTo("json_schema");
        assertThat(format.path("schema")).isEqualTo(mapper.readTree(
                "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"open\":{\"type\":\"integer\"}},\"required\":[\"open\"]}"));
    }

    private CodexSession.Builder session() throws Exception {
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
        return CodexSession.builder()
                .connection(CodexClient.builder().process(CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).build()).wireTap(wire).options())
                .cwd(Files.createDirectories(tmp.resolve("work")))
                .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO));
    }
}
