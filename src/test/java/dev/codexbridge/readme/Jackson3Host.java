package dev.codexbridge.readme;

// docs/embedding.md#jackson3:BEGIN
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.tool.DynamicTool;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** A host on Jackson 3: structured output and a tool, all its JSON its own mapper's; nothing of com.fasterxml. */
public final class Jackson3Host {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    public static int openTickets(CodexSession.Builder session, String question) throws Exception {
        ObjectNode answer = MAPPER.createObjectNode().put("type", "object").put("additionalProperties", false);
        answer.putObject("properties").putObject("open").put("type", "integer");
        answer.putArray("required").add("open");
        ObjectNode ticket = MAPPER.createObjectNode().put("type", "object");
        ticket.putObject("properties").putObject("id").put("type", "string");
        ticket.putArray("required").add("id");

        DynamicTool lookup = DynamicTool.ofJson("lookup_ticket", "Whether a ticket is open",
                MAPPER.writeValueAsString(ticket),                    // the schema as JSON text
                arguments -> {                                        // the arguments as JSON text
                    String id = MAPPER.readTree(arguments).path("id").asString();
                    return DynamicTool.Result.text("Ticket " + id + " is open.");
                });
        try (CodexSession codex = session.dynamicTool(lookup).build()) {
            TurnResult r = codex.runTurn(TurnInput.text(question),
                    TurnOptions.builder().outputSchemaJson(MAPPER.writeValueAsString(answer)).build(), TurnListener.NONE);
            if (!r.completed()) {
                throw new IllegalStateException(r.error() != null ? r.error().message() : r.status().name());
            }
            return MAPPER.readTree(r.finalText()).path("open").asInt();  // checked against the schema already
        }
    }
}
// docs/embedding.md#jackson3:END
