package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.internal.ServerRequestBridge;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.json.Json;
import dev.codexbridge.rpc.JsonRpcId;
import dev.codexbridge.session.internal.inbox.PendingRequests;
import dev.codexbridge.session.internal.inbox.TurnEvent;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** What tells the session that codex withdrew a request it holds, and what then happens to the answer under way. */
class PendingRequestsTest {
    private static final String APPROVAL = "{\"threadId\":\"thread-1\",\"turnId\":\"turn-1\",\"itemId\":\"call-1\",\"startedAtMs\":1,"
            + "\"command\":\"ls\",\"cwd\":\"/w\"}";
    private static final String TOOL_CALL = "{\"threadId\":\"thread-1\",\"turnId\":\"turn-1\",\"callId\":\"call-d\","
            + "\"namespace\":null,\"tool\":\"lookup\",\"arguments\":{}}";

    private final PendingRequests pending = new PendingRequests();

    private TurnEvent.Asked ask(JsonRpcId id, String method, String params) {
        return pending.add(new CodexEvent.ServerRequest(id, method, "thread-1", Json.parse(params)));
    }

    private static CodexEvent.Notification note(String method, String thread, String paramsJson) {
        return new CodexEvent.Notification(method, thread, Json.parse(paramsJson));
    }

    private static CodexEvent.Notification resolved(String thread, String requestIdJson) {
        return note("serverRequest/resolved", thread, "{\"threadId\":\"" + thread + "\",\"requestId\":" + requestIdJson + "}");
    }

    @Test
    void serverRequestResolvedWithdrawsTheRequestWithThatExactIdAndCancelsItsAnswer() {
        TurnEvent.Asked number = ask(JsonRpcId.of(7), "item/commandExecution/requestApproval", APPROVAL);
        TurnEvent.Asked text = ask(JsonRpcId.of("7"), "item/commandExecution/requestApproval", APPROVAL.replace("call-1", "call-2"));
        CompletableFuture<ServerRequestBridge.Answer> answering = new CompletableFuture<>();
        number.answering(answering);
        // another thread's request 7, and an id nobody holds, withdraw nothing
        assertThat(pending.withdrawnBy(resolved("thread-2", "7"))).isEmpty();
        assertThat(pending.withdrawnBy(resolved("thread-1", "8"))).isEmpty();
        assertThat(pending.withdrawnBy(resolved("thread-1", "7"))).singleElement()
                .satisfies(w -> {
                    assertThat(w.asked()).isSameAs(number);
                    assertThat(w.turnInterrupted()).isFalse();
                });
        assertThat(answering).isCancelled();
        assertThat(number.isWithdrawn()).isTrue();
        assertThat(number.settleByAnswer()).as("nothing is written after a withdrawal").isFalse();
        assertThat(text.isWithdrawn()).as("7 and \"7\" are different ids").isFalse();
        assertThat(pending.withdrawnBy(resolved("thread-1", "\"7\""))).extracting(TurnEvent.Withdrawn::asked).containsExactly(text);
        assertThat(pending.isEmpty()).isTrue();
    }

    @Test
    void anAnswerWrittenFirstIsNotWithdrawnByTheResolutionThatFollowsIt() {
        TurnEvent.Asked asked = ask(JsonRpcId.of(1), "item/commandExecution/requestApproval", APPROVAL);
        assertThat(asked.settleByAnswer()).isTrue();
        assertThat(asked.settleByAnswer()).as("written once").isFalse();
        assertThat(pending.isEmpty()).isTrue();
        assertThat(pending.withdrawnBy(resolved("thread-1", "1"))).isEmpty();
        assertThat(asked.isWithdrawn()).isFalse();
    }

    @Test
    void theItemARequestIsAboutCompletingWithdrawsIt() {
        // codex 0.169 sends no serverRequest/resolved for a dynamic tool call answered by another client
        TurnEvent.Asked tool = ask(JsonRpcId.of(3), "item/tool/call", TOOL_CALL);
        TurnEvent.Asked approval = ask(JsonRpcId.of(4), "item/commandExecution/requestApproval", APPROVAL);
        assertThat(tool.itemId()).isEqualTo("call-d");
        assertThat(pending.withdrawnBy(note("item/completed", "thread-1",
                "{\"threadId\":\"thread-1\",\"turnId\":\"turn-1\",\"item\":{\"type\":\"agentMessage\",\"id\":\"msg\",\"text\":\"x\"}}"))).isEmpty();
        assertThat(pending.withdrawnBy(note("item/completed", "thread-1", "{\"threadId\":\"thread-1\",\"turnId\":\"turn-1\","
                + "\"item\":{\"type\":\"dynamicToolCall\",\"id\":\"call-d\",\"tool\":\"lookup\",\"status\":\"completed\"}}")))
                .extracting(TurnEvent.Withdrawn::asked).containsExactly(tool);
        assertThat(approval.isWithdrawn()).isFalse();
    }

    @Test
    void theInterruptionOfItsTurnWithdrawsEveryRequestOfThatTurn() {
        TurnEvent.Asked first = ask(JsonRpcId.of(1), "item/commandExecution/requestApproval", APPROVAL);
        TurnEvent.Asked second = ask(JsonRpcId.of(2), "item/tool/call", TOOL_CALL);
        TurnEvent.Asked later = ask(JsonRpcId.of(3), "item/commandExecution/requestApproval", APPROVAL.replace("turn-1", "turn-2"));
        // a turn that ends otherwise leaves its requests to serverRequest/resolved: a late decision is still written while codex waits
        assertThat(pending.withdrawnBy(note("turn/completed", "thread-1",
                "{\"threadId\":\"thread-1\",\"turn\":{\"id\":\"turn-1\",\"status\":\"completed\"}}"))).isEmpty();
        assertThat(pending.withdrawnBy(note("turn/completed", "thread-1",
                "{\"threadId\":\"thread-1\",\"turn\":{\"id\":\"turn-1\",\"status\":\"interrupted\"}}")))
                .allSatisfy(w -> assertThat(w.turnInterrupted()).isTrue())
                .extracting(TurnEvent.Withdrawn::asked).containsExactlyInAnyOrder(first, second);
        assertThat(later.isWithdrawn()).isFalse();
        assertThat(pending.isEmpty()).isFalse();
    }

    @Test
    void anAnswerStartedAfterTheWithdrawalIsCancelledAtOnce() {
        TurnEvent.Asked asked = ask(JsonRpcId.of(1), "item/commandExecution/requestApproval", APPROVAL);
        assertThat(pending.withdrawnBy(resolved("thread-1", "1"))).hasSize(1);
        CompletableFuture<ServerRequestBridge.Answer> late = new CompletableFuture<>();
        asked.answering(late);
        assertThat(late).isCancelled();
    }
}
