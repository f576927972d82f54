package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ClientRequests;
import dev.codexbridge.protocol.ServerNotifications;
import dev.codexbridge.rpc.JsonRpcMessage;
import dev.codexbridge.support.ItemRecording;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.LiveTurn;
import dev.codexbridge.testkit.EchoMcpServer;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transcript.ItemProjectorGoldenTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records the item notifications of one scenario per item type from the real codex, and checks
 * that today's binary still produces exactly the committed recording in {@code fixtures/items/}
 * (so the projector's golden tests run on real items, and drift is caught). With
 * {@code -Dcodexbridge.recordItems=true} the recordings and their expected projections are rewritten.
 */
class ItemCaptureLiveTest {
    private static final boolean RECORD = Boolean.getBoolean("codexbridge.recordItems");

    @TempDir
    Path tmp;

    private void capture(String scenario, Consumer<IsolatedCodexHome.Builder> home, Consumer<LiveTurn> setUp,
                         List<ModelReply> replies, Map<String, Object> answers, boolean interruptOnCommand) throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start();
             LiveTurn live = new LiveTurn(LiveCodex.binary(), model, tmp, home)) {
            setUp.accept(live);
            model.enqueue(replies.toArray(ModelReply[]::new));
            List<JsonRpcMessage.Inbound> all = new ArrayList<>();
            LiveTurn.Result r = live.runTurn("scenario " + scenario, (method, params) -> answers.get(method), (m, turnId) -> {
                if (interruptOnCommand && m.method().equals(ServerNotifications.ITEM_STARTED.method())
                        && m.params().path("item").path("type").asText().equals("commandExecution")) {
                    live.connection().peer().request(ClientRequests.TURN_INTERRUPT.method(),
                            Json.object().put("threadId", live.threadId()).put("turnId", turnId), java.time.Duration.ofSeconds(10));
                }
            });
            all.addAll(r.messages());
            JsonNode recorded = ItemRecording.of(scenario, all, live.work());
            Path file = ItemRecording.file(scenario);
            if (RECORD) {
                ItemRecording.write(file, recorded);
                ItemRecording.write(ItemRecording.expectedFile(scenario), ItemProjectorGoldenTest.project(recorded));
            } else {
                assertThat(recorded).as("codex %s no longer produces the recorded items of %s", "today", scenario)
                        .isEqualTo(ItemRecording.read(file));
            }
        }
    }

    private static Consumer<IsolatedCodexHome.Builder> defaults() {
        return h -> { };
    }

    @Test
    void agentMessageAndReasoning() throws Exception {
        capture("agent-message-and-reasoning", defaults(), l -> { },
                List.of(ModelReply.builder("resp-msg-1").reasoning("Plan a short greeting", "raw thought").message("Hello there!").build()),
                Map.of(), false);
    }

    @Test
    void commandsThatSucceedAndFail() throws Exception {
        capture("command-success-and-failure", h -> h.sandboxMode("danger-full-access"), l -> { },
                List.of(ModelReply.builder("resp-cmd-1").execCommand("call-ok", "echo fine").build(),
                        ModelReply.builder("resp-cmd-2").execCommand("call-fail", "echo oops; exit 3").build(),
                        ModelReply.builder("resp-cmd-3").wholeMessage("One worked, one failed.").build()),
                Map.of(), false);
    }

    @Test
    void fileChanges() throws Exception {
        capture("file-change", h -> h.sandboxMode("danger-full-access"), l -> { },
                List.of(ModelReply.builder("resp-fc-1").applyPatch("call-add",
                                "*** Begin Patch\n*** Add File: notes.txt\n+first\n*** End Patch").build(),
                        ModelReply.builder("resp-fc-2").applyPatch("call-update",
                                "*** Begin Patch\n*** Update File: notes.txt\n@@\n-first\n+second\n*** End Patch").build(),
                        ModelReply.builder("resp-fc-3").wholeMessage("Done.").build()),
                Map.of(), false);
    }

    @Test
    void aDeclinedCommand() throws Exception {
        capture("command-declined", h -> h.askForApproval("on-request"), l -> { },
                List.of(ModelReply.builder("resp-dec-1").execCommandEscalated("call-esc", "touch /outside", "Need to write").build(),
                        ModelReply.builder("resp-dec-2").wholeMessage("Not writing then.").build()),
                Map.of("item/commandExecution/requestApproval", Map.of("decision", "decline")), false);
    }

    @Test
    void aDynamicToolCall() throws Exception {
        capture("dynamic-tool-call", defaults(),
                l -> l.startThread(p -> p.set("dynamicTools", Json.parse("[{\"type\":\"function\",\"name\":\"lookup_ticket\","
                        + "\"description\":\"Fetch a ticket\",\"inputSchema\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}}}}]"))),
                List.of(ModelReply.builder("resp-dyn-1").dynamicToolCall("call-dyn", "lookup_ticket", Json.object().put("id", "ABC-123")).build(),
                        ModelReply.builder("resp-dyn-2").wholeMessage("It is open.").build()),
                Map.of("item/tool/call", Json.parse("{\"contentItems\":[{\"type\":\"inputText\",\"text\":\"Ticket ABC-123 is open.\"}],\"success\":true}")),
                false);
    }

    @Test
    void anMcpToolCall() throws Exception {
        capture("mcp-tool-call", h -> h.extraToml(EchoMcpServer.configToml("echo")), l -> { },
                List.of(ModelReply.builder("resp-mcp-1").mcpCall("call-mcp", "echo", "say", Json.object().put("text", "hello")).build(),
                        ModelReply.builder("resp-mcp-2").wholeMessage("The server echoed.").build()),
                Map.of(), false);
    }

    @Test
    void aCommandInterruptedMidway() throws Exception {
        capture("interrupted-command", h -> h.sandboxMode("danger-full-access"), l -> { },
                List.of(ModelReply.builder("resp-int-1").execCommand("call-sleep", "sleep 30").build()),
                Map.of(), true);
    }

    @Test
    void aWebSearchAndAnImageView() throws Exception {
        Path png = Files.createDirectories(tmp.resolve("work")).resolve("pixel.png");
        Files.write(png, java.util.Base64.getDecoder().decode(
                "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="));
        capture("web-search-and-image-view", defaults(), l -> { },
                List.of(ModelReply.builder("resp-web-1")
                                .rawItem(Json.parse("{\"type\":\"web_search_call\",\"id\":\"ws-1\",\"status\":\"completed\","
                                        + "\"action\":{\"type\":\"search\",\"query\":\"codex app-server\"}}"))
                                .functionCall("call-img", null, "view_image", Json.object().put("path", png.toString())).build(),
                        ModelReply.builder("resp-web-2").wholeMessage("Searched and looked.").build()),
                Map.of(), false);
    }
}
