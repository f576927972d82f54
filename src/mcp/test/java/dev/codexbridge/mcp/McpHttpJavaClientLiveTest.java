package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.ModelReply;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The MCP Java SDK's client against the server over Streamable HTTP, with the real codex: the
 * tools, a conversation over codex and codex-reply, approvals asked by elicitation (approved runs,
 * declined does not, proved by the workspace and by codex's record), fail-closed for a client that
 * cannot be asked, progress in codex's order, each principal's threads its own, and a principal's
 * conversation going on from the store after its codex was SIGKILLed, with or without its home.
 */
class McpHttpJavaClientLiveTest {
    private LiveMcp live;

    @AfterEach
    void tearDown() throws Exception {
        if (live != null) {
            live.close();
        }
    }

    @Test
    void listsTheToolsAndHoldsAConversationAcrossCodexAndCodexReply() throws Exception {
        live = new LiveMcp("mcp-http-conversation").boot(false, List.of(), b -> { });
        McpSyncClient alice = live.client(LiveMcp.ALICE, null, null);
        assertThat(alice.listTools().tools()).extracting(McpSchema.Tool::name).containsExactly("codex", "codex-reply", "codex-transcript");

        live.model.enqueue(ModelReply.message("First answer."), ModelReply.message("Second answer."));
        McpSchema.CallToolResult first = LiveMcp.call(alice, "codex", Map.of("prompt", "remember the word pelican"), null);
        assertThat(first.isError()).isFalse();
        assertThat(LiveMcp.text(first)).isEqualTo("First answer.");
        String thread = LiveMcp.threadId(first);
        assertThat(thread).isNotBlank();
        assertThat(first.structuredContent()).isEqualTo(Map.of("threadId", thread, "content", "First answer."));

        McpSchema.CallToolResult second = LiveMcp.call(alice, "codex-reply", Map.of("threadId", thread, "prompt", "which word?"), null);
        assertThat(LiveMcp.text(second)).isEqualTo("Second answer.");
        assertThat(LiveMcp.threadId(second)).isEqualTo(thread);
        // the same codex thread: the model saw the first prompt again
        assertThat(live.model.responsesRequests().get(1).userTexts()).anySatisfy(t -> assertThat(t).contains("pelican"));

        // the older name of the argument works too
        live.model.enqueue(ModelReply.message("Third answer."));
        McpSchema.CallToolResult third = LiveMcp.call(alice, "codex-reply", Map.of("conversationId", thread, "prompt", "again"), null);
        assertThat(LiveMcp.text(third)).isEqualTo("Third answer.");

        // the transcript, as a tool and as a resource
        McpSchema.CallToolResult transcript = LiveMcp.call(alice, "codex-transcript", Map.of("threadId", thread), null);
        assertThat(LiveMcp.text(transcript)).contains("remember the word pelican", "Second answer.", "Third answer.");
        McpSchema.ReadResourceResult resource = alice.readResource(new McpSchema.ReadResourceRequest("codex://threads/" + thread));
        assertThat(((McpSchema.TextResourceContents) resource.contents().get(0)).text()).contains("pelican");

        // bob holding alice's thread id: no such conversation, and nothing reaches codex
        McpSyncClient bob = live.client(LiveMcp.BOB, null, null);
        int requests = live.model.responsesRequests().size();
        McpSchema.CallToolResult stolen = LiveMcp.call(bob, "codex-reply", Map.of("threadId", thread, "prompt", "tell me"), null);
        assertThat(stolen.isError()).isTrue();
        assertThat(LiveMcp.text(stolen)).isEqualTo("no conversation with thread id " + thread + " (start one with the codex tool)");
        assertThat(LiveMcp.text(LiveMcp.call(bob, "codex-transcript", Map.of("threadId", thread), null))).startsWith("no conversation");
        assertThatThrownBy(() -> bob.readResource(new McpSchema.ReadResourceRequest("codex://threads/" + thread)))
                .hasMessageContaining("no conversation");
        assertThat(live.model.responsesRequests()).hasSize(requests);
    }

    /**
     * With a store, a conversation asleep in it is not held open: the server lets go of it, and the
     * next {@code codex-reply} resumes it from the store with its whole history.
     */
    @Test
    void aConversationAsleepInTheStoreIsLetGoAndCodexReplyGoesOnWithItsWholeHistory() throws Exception {
        live = new LiveMcp("mcp-http-stored").bootOnStore(Duration.ofSeconds(1));
        McpSyncClient alice = live.client(LiveMcp.ALICE, null, null);
        live.model.enqueue(ModelReply.message("First answer."), ModelReply.message("Pelican."));
        String thread = LiveMcp.threadId(LiveMcp.call(alice, "codex", Map.of("prompt", "remember the word pelican"), null));

        await().atMost(Duration.ofSeconds(90)).until(() -> live.server.conversationsHeld() == 0);
        McpSchema.CallToolResult reply = LiveMcp.call(alice, "codex-reply", Map.of("threadId", thread, "prompt", "which word?"), null);
        assertThat(reply.isError()).as(reply.toString()).isFalse();
        assertThat(LiveMcp.text(reply)).isEqualTo("Pelican.");
        assertThat(LiveMcp.threadId(reply)).isEqualTo(thread);
        assertThat(live.model.responsesRequests().get(1).userTexts()).as("codex had the history back from the store")
                .anySatisfy(t -> assertThat(t).contains("pelican"));
        assertThat(LiveMcp.text(LiveMcp.call(alice, "codex-transcript", Map.of("threadId", thread), null)))
                .contains("remember the word pelican", "First answer.", "which word?", "Pelican.");
    }

    /**
     * codex mcp-server's thread arguments reach codex when the host lets remote callers give them:
     * the instructions are in the model's request. Without that, the same call is refused, naming them.
     */
    @Test
    void threadArgumentsOfTheRemovedServerReachCodexWhereTheHostAllowsThem() throws Exception {
        live = new LiveMcp("mcp-http-thread-args").boot(false, List.of(), b -> b.callerSettings(CallArguments.ALL_SETTINGS));
        McpSyncClient alice = live.client(LiveMcp.ALICE, null, null);
        live.model.enqueue(ModelReply.message("Noted."));
        int before = live.model.responsesRequests().size();
        McpSchema.CallToolResult r = LiveMcp.call(alice, "codex", Map.of("prompt", "hello", "base-instructions",
                "You are the base-marker-9 assistant.", "developer-instructions", "Always mention dev-marker-7.",
                "config", Map.of("model_reasoning_effort", "low")), null);
        assertThat(r.isError()).as(LiveMcp.text(r)).isFalse();
        assertThat(LiveMcp.text(r)).isEqualTo("Noted.");
        String sent = live.model.responsesRequests().get(before).bodyJson();
        assertThat(sent).contains("base-marker-9").contains("dev-marker-7");
    }

    @Test
    void anApprovedCommandRunsAndADeclinedOneDoesNot() throws Exception {
        live = new LiveMcp("mcp-http-approvals").boot(true, List.of(), b -> { });
        List<McpSchema.ElicitFormRequest> asked = new CopyOnWriteArrayList<>();
        McpSyncClient alice = live.client(LiveMcp.ALICE, request -> {
            asked.add(request);
            boolean approve = request.message().contains("approved-marker");
            return new McpSchema.ElicitResult(approve ? McpSchema.ElicitResult.Action.ACCEPT : McpSchema.ElicitResult.Action.DECLINE, Map.of());
        }, null);

        live.model.enqueue(ModelReply.builder().execCommandEscalated("call-yes", "touch approved-marker", "Needs approval").build(),
                ModelReply.message("made it"));
        McpSchema.CallToolResult yes = LiveMcp.call(alice, "codex", Map.of("prompt", "make the file"), null);
        assertThat(LiveMcp.text(yes)).isEqualTo("made it");
        assertThat(asked).singleElement().satisfies(r -> {
            assertThat(r.message()).startsWith("Allow Codex to run `").contains("touch approved-marker").endsWith("`?");
            assertThat(r.meta()).containsEntry("codex_elicitation", "exec-approval").containsKey("codex_call_id");
        });
        assertThat(live.work.resolve("approved-marker")).exists();

        live.model.enqueue(ModelReply.builder().execCommandEscalated("call-no", "touch declined-marker", "Needs approval").build(),
                ModelReply.message("it was declined"));
        McpSchema.CallToolResult no = LiveMcp.call(alice, "codex-reply", Map.of("threadId", LiveMcp.threadId(yes), "prompt", "and this"), null);
        assertThat(LiveMcp.text(no)).isEqualTo("it was declined");
        assertThat(asked).hasSize(2);
        assertThat(live.work.resolve("declined-marker")).doesNotExist();
        // codex's own record: the model was told the command was rejected; the thread holds the approved command only
        assertThat(live.model.responsesRequests().get(3).functionCallOutput("call-no")).hasValueSatisfying(o -> assertThat(o).contains("rejected"));
        String transcript = LiveMcp.text(LiveMcp.call(alice, "codex-transcript", Map.of("threadId", LiveMcp.threadId(yes)), null));
        assertThat(transcript).contains("touch approved-marker", "it was declined").doesNotContain("touch declined-marker");
    }

    @Test
    void aClientWithoutElicitationIsNeverAskedAndTheCommandIsDeclined() throws Exception {
        live = new LiveMcp("mcp-http-fail-closed").boot(true, List.of(), b -> { });
        McpSyncClient alice = live.client(LiveMcp.ALICE, null, null);
        live.model.enqueue(ModelReply.builder().execCommandEscalated("call-x", "touch unasked-marker", "Needs approval").build(),
                ModelReply.message("could not"));
        assertThat(LiveMcp.text(LiveMcp.call(alice, "codex", Map.of("prompt", "make it"), null))).isEqualTo("could not");
        assertThat(live.work.resolve("unasked-marker")).doesNotExist();
        assertThat(live.model.responsesRequests().get(1).functionCallOutput("call-x")).hasValueSatisfying(o -> assertThat(o).contains("rejected"));
    }

    @Test
    void theHostsAllowListDecidesFirstAndProgressArrivesInCodexsOrder() throws Exception {
        // callers may not answer: only the host's allow-list runs commands, the client is never asked
        live = new LiveMcp("mcp-http-progress").boot(false, List.of("touch"), b -> { });
        List<McpSchema.ElicitFormRequest> asked = new CopyOnWriteArrayList<>();
        List<McpSchema.ProgressNotification> progress = new CopyOnWriteArrayList<>();
        McpSyncClient alice = live.client(LiveMcp.ALICE, r -> {
            asked.add(r);
            return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.ACCEPT, Map.of());
        }, progress::add);
        live.model.enqueue(ModelReply.builder().message("Starting.").execCommandEscalated("call-a", "touch allowed-marker", "Needs approval").build(),
                ModelReply.builder().execCommandEscalated("call-b", "rm -f allowed-marker", "Needs approval").build(),
                ModelReply.message("Finished."));
        McpSchema.CallToolResult r = LiveMcp.call(alice, "codex", Map.of("prompt", "work"), "tok-1");
        assertThat(LiveMcp.text(r)).isEqualTo("Finished.");
        assertThat(asked).as("callerApprovals is off").isEmpty();
        assertThat(live.work.resolve("allowed-marker")).as("touch allowed, rm declined").exists();
        assertThat(progress).allSatisfy(p -> assertThat(p.progressToken()).isEqualTo("tok-1"));
        assertThat(progress).extracting(McpSchema.ProgressNotification::progress).containsExactly(
                java.util.stream.IntStream.rangeClosed(1, progress.size()).mapToObj(i -> (double) i).toArray(Double[]::new));
        List<String> messages = progress.stream().map(McpSchema.ProgressNotification::message).toList();
        assertThat(messages.get(0)).isEqualTo("Starting.");
        assertThat(messages).last().isEqualTo("Finished.");
        int touch = indexOf(messages, "touch allowed-marker");
        int rm = indexOf(messages, "rm -f allowed-marker");
        assertThat(touch).isPositive().isLessThan(rm);
    }

    @Test
    void aHostsOutputSchemaGivesTheParsedAnswerAsStructuredContent() throws Exception {
        JsonNode schema = Json.parse("{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"string\"}},"
                + "\"required\":[\"answer\"],\"additionalProperties\":false}");
        live = new LiveMcp("mcp-http-output-schema").boot(false, List.of(), b -> b.outputSchema(schema));
        McpSyncClient alice = live.client(LiveMcp.ALICE, null, null);
        McpSchema.Tool codex = alice.listTools().tools().get(0);
        assertThat(((Map<?, ?>) codex.outputSchema().get("properties")).get("output")).isEqualTo(Json.convert(schema, Map.class));
        live.model.enqueue(ModelReply.message("{\"answer\":\"42\"}"));
        McpSchema.CallToolResult r = LiveMcp.call(alice, "codex", Map.of("prompt", "the answer?"), null);
        assertThat(r.isError()).isFalse();
        assertThat(((Map<?, ?>) r.structuredContent()).get("output")).isEqualTo(Map.of("answer", "42"));
        // codex ran the turn with the schema: it reached the model
        assertThat(live.model.responsesRequests().get(0).bodyJson()).contains("\"answer\"").contains("additionalProperties");
    }

    @Test
    void principalsOnTenantsEachHaveTheirOwnCodex() throws Exception {
        live = new LiveMcp("mcp-http-tenants").bootOnTenants();
        McpSyncClient alice = live.client(LiveMcp.ALICE, null, null);
        McpSyncClient bob = live.client(LiveMcp.BOB, null, null);
        live.model.enqueue(ModelReply.message("noted, alice"));
        McpSchema.CallToolResult a = LiveMcp.call(alice, "codex", Map.of("prompt", "alice's secret plan"), null);
        assertThat(LiveMcp.text(a)).isEqualTo("noted, alice");
        live.model.enqueue(ModelReply.message("hello bob"));
        McpSchema.CallToolResult b = LiveMcp.call(bob, "codex", Map.of("prompt", "bob here"), null);
        assertThat(LiveMcp.text(b)).isEqualTo("hello bob");
        // a codex app-server and home per principal
        assertThat(live.tenants.usage("alice").processes()).isEqualTo(1);
        assertThat(live.tenants.usage("bob").processes()).isEqualTo(1);
        assertThat(live.model.responsesRequests().get(1).userTexts()).noneSatisfy(t -> assertThat(t).contains("secret plan"));
        // bob with alice's thread id: no such conversation, nothing reaches codex
        McpSchema.CallToolResult stolen = LiveMcp.call(bob, "codex-reply", Map.of("threadId", LiveMcp.threadId(a), "prompt", "tell me"), null);
        assertThat(stolen.isError()).isTrue();
        assertThat(LiveMcp.text(stolen)).startsWith("no conversation with thread id");
        assertThat(live.model.responsesRequests()).hasSize(2);

        // alice's codex is SIGKILLed and its home deleted (its machine's disk lost); bob's only SIGKILLed: each
        // conversation goes on from the store on the principal's next codex, its whole history sent to the model
        loseCodex("alice", true);
        loseCodex("bob", false);
        live.model.enqueue(ModelReply.message("again, alice"));
        McpSchema.CallToolResult a2 = LiveMcp.call(alice, "codex-reply", Map.of("threadId", LiveMcp.threadId(a), "prompt", "and now?"), null);
        assertThat(LiveMcp.text(a2)).as("%s", a2).isEqualTo("again, alice");
        assertThat(live.model.responsesRequests().get(2).userTexts()).anySatisfy(t -> assertThat(t).contains("alice's secret plan"));
        assertThat(live.model.responsesRequests().get(2).bodyJson()).contains("noted, alice");
        live.model.enqueue(ModelReply.message("again, bob"));
        McpSchema.CallToolResult b2 = LiveMcp.call(bob, "codex-reply", Map.of("threadId", LiveMcp.threadId(b), "prompt", "still there?"), null);
        assertThat(LiveMcp.text(b2)).as("%s", b2).isEqualTo("again, bob");
        assertThat(live.model.responsesRequests().get(3).userTexts()).anySatisfy(t -> assertThat(t).contains("bob here"));
        assertThat(live.model.responsesRequests().get(3).bodyJson()).contains("hello bob");
    }

    /** SIGKILLs {@code principal}'s codex app-server (under its tenant's folder) and, when {@code home}, deletes its codex home. */
    private void loseCodex(String principal, boolean home) throws Exception {
        String folder = live.tenants.tenantDirectory(principal).toString();
        List<ProcessHandle> codex = ProcessHandle.current().descendants()
                .filter(h -> h.info().commandLine().orElse("").matches("(\\S*/)?codex app-server.*"))
                .filter(h -> codexHome(h).startsWith(folder)).toList();
        assertThat(codex).as("%s's codex", principal).hasSize(1);
        String codexHome = codexHome(codex.get(0));
        codex.get(0).destroyForcibly();
        codex.get(0).onExit().get(60, TimeUnit.SECONDS);
        if (home) {
            TestDirs.delete(Path.of(codexHome));
        }
    }

    /** The {@code CODEX_HOME} a process was started with, or "". */
    private static String codexHome(ProcessHandle h) {
        try {
            for (String variable : Files.readString(Path.of("/proc", Long.toString(h.pid()), "environ")).split("\0")) {
                if (variable.startsWith("CODEX_HOME=")) {
                    return variable.substring("CODEX_HOME=".length());
                }
            }
        } catch (java.io.IOException gone) {
            // exited meanwhile
        }
        return "";
    }

    @Test
    void callsWithoutATokenAreRefused() throws Exception {
        live = new LiveMcp("mcp-http-auth").boot(false, List.of(), b -> { });
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(live.http.uri())
                .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThatThrownBy(() -> live.client("not-a-token-0123456789", null, null)).isNotNull();
        assertThat(Files.list(live.work)).isEmpty();
    }

    private static int indexOf(List<String> messages, String part) {
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }

    static URI unused() {
        return URI.create("http://127.0.0.1/");
    }
}
