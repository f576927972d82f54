package dev.codexbridge.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.WireSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Client request params through Jackson and against the pinned binary's schema. */
class ParamsRoundTripTest {
    @Test
    void everyClientRequestParamsTypeRoundTrips() {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (RequestMethod<?, ?> m : ClientRequests.ALL) {
            if (m.paramsType() == Void.class) {
                continue;
            }
            Object empty = Json.convert(Json.object(), m.paramsType());
            Object again = Json.convert(Json.tree(empty), m.paramsType());
            if (!empty.equals(again) || !Json.tree(empty).equals(Json.object())) {
                problems.add(m.method() + ": " + Json.write(empty));
            }
            checked++;
        }
        assertThat(problems).isEmpty();
        assertThat(checked).isGreaterThan(150);
    }

    @Test
    void typedRequestsAreValidAgainstThePinnedSchema() {
        var init = new InitializeParams(
                new InitializeCapabilities(true, null, null, null, List.of("thread/started"), null, null),
                new ClientInfo("codex_bridge_test", "codex-bridge tests", "1.0"));
        var threadStart = Records.of(ThreadStartParams.class, Map.of(
                "cwd", "/work", "model", "gpt-test", "approvalPolicy", AskForApproval.ON_REQUEST,
                "sandbox", SandboxMode.WORKSPACE_WRITE, "ephemeral", true));
        var turnStart = Records.of(TurnStartParams.class, Map.of(
                "threadId", "thr_1", "input", List.of(new UserInput.Text("hello", null))));

        assertValid(request(ClientRequests.INITIALIZE, init));
        assertValid(request(ClientRequests.THREAD_START, threadStart));
        assertValid(request(ClientRequests.TURN_START, turnStart));
        assertThat(turnStart).isInstanceOf(ThreadScoped.class);
    }

    @Test
    void typedApprovalResponseIsValidAgainstThePinnedSchema() {
        var accept = new CommandExecutionRequestApprovalResponse(CommandExecutionApprovalDecision.ACCEPT);
        var amend = new CommandExecutionRequestApprovalResponse(
                new CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment(
                        new CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment
                                .AcceptWithExecpolicyAmendmentValue(List.of("git"))));
        String method = ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL.method();

        assertThat(WireSchema.pinned().validateResponse(method, Json.tree(accept))).isEmpty();
        assertThat(WireSchema.pinned().validateResponse(method, Json.tree(amend))).isEmpty();
    }

    private static JsonNode request(RequestMethod<?, ?> method, Object params) {
        assertThat(method.paramsType()).isInstanceOf(Class.class).matches(t -> t.isInstance(params));
        return Json.tree(Map.of("id", 1, "method", method.method(), "params", params));
    }

    private static void assertValid(JsonNode message) {
        assertThat(WireSchema.pinned().validateOutgoing(message)).as(message.toString()).isEmpty();
    }
}
