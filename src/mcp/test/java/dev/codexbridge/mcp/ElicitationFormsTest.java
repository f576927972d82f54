package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.protocol.ToolRequestUserInputOption;
import dev.codexbridge.protocol.ToolRequestUserInputParams;
import dev.codexbridge.protocol.ToolRequestUserInputQuestion;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How codex's requests are asked of an MCP client, and how its answers become decisions. */
class ElicitationFormsTest {
    /** A command whose text would redraw a terminal (ESC, CR, BEL, a bidi override) reaches the person escaped, as the CLI shows it. */
    @Test
    void controlCharactersInWhatIsAskedAreShownNotObeyed() {
        String hostile = "rm -rf ~\u001b[2K\r\u0007ls \u202egnp.txt";
        ApprovalRequest r = new ApprovalRequest(ApprovalKind.COMMAND, "item/commandExecution/requestApproval", "t1", "u1", "item-1",
                "Run a command", hostile, hostile, "/work\u001b[1A", "Needs approval", null, null, List.of(), null);
        String message = ElicitationForms.requestFor(r, "call-7").message();
        assertThat(message).doesNotContain("\u001b").doesNotContain("\r").doesNotContain("\u0007").doesNotContain("\u202e")
                .contains("rm -rf ~\\u001b[2K\\r\\u0007ls \\u202egnp.txt");
        assertThat(ElicitationForms.requestFor(r, "call-7").meta()).containsEntry("codex_mcp_tool_call_id", "call-7");
    }

    @Test
    void aCommandIsAskedAsCodexMcpServerAskedIt() {
        ApprovalRequest r = new ApprovalRequest(ApprovalKind.COMMAND, "item/commandExecution/requestApproval", "t1", "u1", "item-1",
                "Run a command", "touch x", "/bin/bash -c 'touch x'", "/work", "Needs approval", null, null, List.of(), null);
        McpSchema.ElicitRequest e = ElicitationForms.requestFor(r, 7);
        assertThat(e.message()).isEqualTo("Allow Codex to run `/bin/bash -c 'touch x'` in `/work`?");
        assertThat(e.meta()).containsEntry("codex_elicitation", "exec-approval").containsEntry("codex_cwd", "/work")
                .containsEntry("codex_mcp_tool_call_id", 7).containsEntry("codex_call_id", "item-1").containsEntry("codex_thread_id", "t1");
        assertThat(((McpSchema.ElicitFormRequest) e).requestedSchema()).isEqualTo(Map.of("type", "object", "properties", Map.of()));
    }

    @Test
    void aFileChangeAndQuestionsForTheUser() {
        ApprovalRequest patch = new ApprovalRequest(ApprovalKind.FILE_CHANGE, "item/fileChange/requestApproval", "t1", "u1", "i2",
                "Edit files", "2 files", null, null, "refactor", null, null, List.of(), null);
        McpSchema.ElicitRequest p = ElicitationForms.requestFor(patch, null);
        assertThat(p.message()).isEqualTo("Allow Codex to apply proposed code changes?");
        assertThat(p.meta()).containsEntry("codex_elicitation", "patch-approval").containsEntry("codex_reason", "refactor")
                .doesNotContainKey("codex_mcp_tool_call_id");

        ToolRequestUserInputParams params = new ToolRequestUserInputParams(null, null, "i3",
                List.of(new ToolRequestUserInputQuestion("Colour", "q1", false, false,
                        List.of(new ToolRequestUserInputOption("warm", "red"), new ToolRequestUserInputOption("cold", "blue")), "Which colour?")),
                "t1", "u1");
        ApprovalRequest questions = new ApprovalRequest(ApprovalKind.USER_INPUT, "item/tool/requestUserInput", "t1", "u1", "i3",
                "Codex asks", "1 question", null, null, null, null, null, List.of(), params);
        McpSchema.ElicitFormRequest q = (McpSchema.ElicitFormRequest) ElicitationForms.requestFor(questions, null);
        assertThat(q.requestedSchema()).containsEntry("required", List.of("q1"));
        assertThat(q.requestedSchema().get("properties").toString()).contains("enum=[red, blue]", "Which colour?");
        ApprovalDecision answered = ElicitationForms.decisionOf(new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.ACCEPT,
                Map.of("q1", "red")));
        assertThat(answered.choice()).isEqualTo(ApprovalChoice.ONCE);
        assertThat(answered.contentJson()).isEqualTo("{\"q1\":\"red\"}");
    }

    @Test
    void answersBecomeDecisions() {
        assertThat(decide(McpSchema.ElicitResult.Action.ACCEPT, Map.of()).choice()).isEqualTo(ApprovalChoice.ONCE);
        assertThat(decide(McpSchema.ElicitResult.Action.DECLINE, null).choice()).isEqualTo(ApprovalChoice.DENY);
        assertThat(decide(McpSchema.ElicitResult.Action.CANCEL, null).choice()).isEqualTo(ApprovalChoice.CANCEL);
        // the decision values codex mcp-server's clients answered with
        assertThat(decide(McpSchema.ElicitResult.Action.ACCEPT, Map.of("decision", "approved_for_session")).choice())
                .isEqualTo(ApprovalChoice.SESSION);
        assertThat(decide(McpSchema.ElicitResult.Action.ACCEPT, Map.of("decision", "denied")).choice()).isEqualTo(ApprovalChoice.DENY);
        assertThat(decide(McpSchema.ElicitResult.Action.ACCEPT, Map.of("decision", "abort")).choice()).isEqualTo(ApprovalChoice.CANCEL);
        assertThat(decide(McpSchema.ElicitResult.Action.ACCEPT, Map.of("decision", "approved")).content()).isNull();
    }

    private static ApprovalDecision decide(McpSchema.ElicitResult.Action action, Map<String, Object> content) {
        return ElicitationForms.decisionOf(new McpSchema.ElicitResult(action, content));
    }
}
