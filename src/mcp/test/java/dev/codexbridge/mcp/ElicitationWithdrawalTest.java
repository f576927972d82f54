package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.json.Json;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpLoggableSession;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A withdrawn elicitation, with a fake client session in place of a transport: the client is told
 * with notifications/cancelled naming the elicitation's JSON-RPC id, and the server stops waiting.
 */
class ElicitationWithdrawalTest {
    private final PendingElicitations pending = new PendingElicitations();
    /** What the client read: the elicitation as it left, and anything added to its stream. */
    private final List<String> wire = new CopyOnWriteArrayList<>();
    private final AtomicInteger waitsCancelled = new AtomicInteger();

    /** The SDK's session as far as an elicitation goes: the request leaves (through the outgoing tap) and is never answered. */
    private final McpLoggableSession client = new McpLoggableSession() {
        private final AtomicInteger ids = new AtomicInteger();

        @Override
        public <T> Mono<T> sendRequest(String method, Object params, TypeRef<T> typeRef) {
            String message;
            try {
                message = McpJsonDefaults.getMapper().writeValueAsString(
                        new McpSchema.JSONRPCRequest(method, "session-" + ids.incrementAndGet(), params));
            } catch (java.io.IOException e) {
                return Mono.error(e);
            }
            wire.add(pending.onOutgoing(message, wire::add));
            return Mono.<T>never().doOnCancel(waitsCancelled::incrementAndGet);
        }

        @Override
        public Mono<Void> sendNotification(String method, Object params) {
            return Mono.empty();
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.empty();
        }

        @Override
        public void close() {
        }

        @Override
        public void setMinLoggingLevel(McpSchema.LoggingLevel level) {
        }

        @Override
        public boolean isNotificationForLevelAllowed(McpSchema.LoggingLevel level) {
            return true;
        }
    };

    private CallerElicitation caller(Duration deadline) {
        McpSyncServerExchange exchange = new McpSyncServerExchange(new McpAsyncServerExchange("session", client,
                McpSchema.ClientCapabilities.builder().elicitation().build(), new McpSchema.Implementation("fake", "1"), null));
        CallerElicitation c = new CallerElicitation(Executors.newCachedThreadPool(), deadline, pending);
        c.during(new CallerElicitation.Call(exchange, "call-7"));
        return c;
    }

    private static ApprovalRequest command() {
        return new ApprovalRequest(ApprovalKind.COMMAND, "item/commandExecution/requestApproval", "thread-1", "turn-1", "item-1",
                "Run a command", "rm -rf build", "/bin/bash -c 'rm -rf build'", "/work", "Needs approval", null, null, List.of(), null);
    }

    @Test
    void aWithdrawnElicitationIsCancelledAtTheClientByItsIdAndNoLongerAwaited() throws Exception {
        CompletableFuture<ApprovalDecision> asked = caller(Duration.ofMinutes(5)).decide(command()).toCompletableFuture();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> wire.size() == 1);
        JsonNode request = Json.parse(wire.get(0));
        assertThat(request.path("method").asText()).isEqualTo("elicitation/create");
        assertThat(request.at("/params/_meta").has(PendingElicitations.MARK)).as("the mark never reaches the client").isFalse();
        assertThat(request.at("/params/_meta/codex_elicitation").asText()).isEqualTo("exec-approval");

        // codex withdraws the request: the approval bridge cancels the handler's stage
        asked.cancel(false);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> wire.size() == 2 && waitsCancelled.get() == 1);
        JsonNode cancelled = Json.parse(wire.get(1));
        assertThat(cancelled.path("method").asText()).isEqualTo("notifications/cancelled");
        assertThat(cancelled.at("/params/requestId").asText()).isEqualTo("session-1");
        assertThat(cancelled.at("/params/reason").asText()).contains("withdrew");
        assertThat(pending.size()).isZero();
    }

    @Test
    void anElicitationPastItsDeadlineIsDeclinedAndCancelledAtTheClient() throws Exception {
        ApprovalDecision d = caller(Duration.ofMillis(300)).decide(command()).toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertThat(d.choice()).isEqualTo(ApprovalChoice.DENY);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> wire.size() == 2 && waitsCancelled.get() == 1);
        assertThat(Json.parse(wire.get(1)).at("/params/requestId").asText()).isEqualTo("session-1");
        assertThat(pending.size()).isZero();
    }

    @Test
    void messagesThatAreNotMarkedElicitationsPassUnchanged() {
        String progress = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":1,\"progress\":1}}";
        assertThat(pending.onOutgoing(progress, wire::add)).isSameAs(progress);
        String unknownMark = "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"elicitation/create\",\"params\":{\"_meta\":{\""
                + PendingElicitations.MARK + "\":\"not-ours\"}}}";
        assertThat(Json.parse(pending.onOutgoing(unknownMark, wire::add)).at("/params/_meta").size()).isZero();
        assertThat(pending.withdraw("not-ours", "x")).isFalse();
        assertThat(wire).isEmpty();
    }
}
