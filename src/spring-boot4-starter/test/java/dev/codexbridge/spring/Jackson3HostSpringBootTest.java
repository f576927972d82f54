package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.tool.DynamicTool;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Spring Boot 4 application whose own code knows only Jackson 3 ({@code tools.jackson}), as Spring
 * Boot 4 applications are by default: it builds an output schema and a dynamic tool's input schema
 * with its own mapper, hands them to the library as JSON text, reads the tool's arguments and the
 * structured answer back with the same mapper, against the real codex offline. Nothing here imports
 * {@code com.fasterxml} (decision 0031).
 */
// dynamic tools are part of codex's experimental API
// its codex and model server end with the class: the context cache would keep them for the JVM
@DirtiesContext
@SpringBootTest(classes = HostApplication.class, properties = "codex-bridge.experimental-api=true")
class Jackson3HostSpringBootTest {
    private static ScriptedModelServer model;
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @Autowired
    CodexSessions sessions;

    @DynamicPropertySource
    static void codex(DynamicPropertyRegistry registry) {
        model = ScriptedModelServer.start();
        OfflineCodex.register(registry, OfflineCodex.binary(), model, "never");
    }

    @AfterAll
    static void stopModel() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void structuredOutputAndADynamicToolFromAHostOnJackson3() {
        ObjectNode answerSchema = MAPPER.createObjectNode().put("type", "object").put("additionalProperties", false);
        answerSchema.putObject("properties").putObject("open").put("type", "integer");
        answerSchema.putArray("required").add("open");
        ObjectNode ticketSchema = MAPPER.createObjectNode().put("type", "object");
        ticketSchema.putObject("properties").putObject("id").put("type", "string");
        ticketSchema.putArray("required").add("id");

        List<String> asked = new CopyOnWriteArrayList<>();
        DynamicTool lookup = DynamicTool.ofJson("lookup_ticket", "Fetch a ticket", MAPPER.writeValueAsString(ticketSchema), arguments -> {
            asked.add(MAPPER.readTree(arguments).path("id").asString());
            return DynamicTool.Result.text("Ticket ABC-1 is open.");
        });
        model.enqueue(ModelReply.builder().dynamicToolCallJson("call-1", "lookup_ticket", "{\"id\":\"ABC-1\"}").build(),
                ModelReply.message("{\"open\":1}"));

        TurnResult r;
        try (CodexSession session = sessions.open(b -> b.dynamicTool(lookup))) {
            r = session.runTurn(TurnInput.text("how many of ABC-1 are open?"),
                    TurnOptions.builder().outputSchemaJson(MAPPER.writeValueAsString(answerSchema)).build(), TurnListener.NONE);
        }

        assertThat(r.status()).as("%s", r.error()).isEqualTo(TurnOutcome.COMPLETED);
        assertThat(MAPPER.readTree(r.finalText()).path("open").asInt()).isEqualTo(1);
        assertThat(asked).containsExactly("ABC-1");
        // the schema built with Jackson 3 reached the model as it was built
        JsonNode format = MAPPER.readTree(model.responsesRequests().get(0).bodyJson()).path("text").path("format");
        assertThat(format.path("type").asString()).isEqualTo("json_schema");
        assertThat(format.path("schema")).isEqualTo(answerSchema);
        assertThat(model.responsesRequests().get(model.responsesRequests().size() - 1).functionCallOutput("call-1"))
                .contains("Ticket ABC-1 is open.");
    }
}
