package dev.codexbridge.transcript;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.AgentMessageDeltaNotification;
import dev.codexbridge.protocol.CommandExecutionStatus;
import dev.codexbridge.protocol.ItemCompletedNotification;
import dev.codexbridge.protocol.ItemStartedNotification;
import dev.codexbridge.protocol.ServerNotification;
import dev.codexbridge.protocol.ThreadItem;
import java.util.List;
import org.junit.jupiter.api.Test;

class ItemProjectorTest {
    private static List<TranscriptMessage> one(String itemJson) {
        return new ItemProjector().completed(item(itemJson));
    }

    /** Decoded as the client decodes an item. */
    private static ThreadItem item(String itemJson) {
        return Json.convert(Json.parse(itemJson), ThreadItem.class);
    }

    private static String json(List<TranscriptMessage> ms) {
        StringBuilder sb = new StringBuilder("[");
        for (TranscriptMessage m : ms) {
            sb.append(sb.length() > 1 ? "," : "").append(m.toJson());
        }
        return sb.append(']').toString();
    }

    /** The reference's own recorded item (reference-hermes.md 4.1), captured from codex 0.130.0. */
    @Test
    void referenceRecordedCommandExecution() {
        JsonNode notification = Json.parse("{\"method\":\"item/completed\",\"params\":{\"item\":{\"type\":\"commandExecution\","
                + "\"id\":\"f8a75c66-a89e-4fd7-8bcf-2d58e664fa9e\",\"command\":\"/bin/bash -lc 'echo hello && ls /tmp | head -3'\","
                + "\"cwd\":\"/tmp\",\"processId\":null,\"source\":\"userShell\",\"status\":\"completed\","
                + "\"commandActions\":[{\"type\":\"listFiles\",\"command\":\"ls /tmp\",\"path\":\"tmp\"}],"
                + "\"aggregatedOutput\":\"hello\\naa_lang.json\\n\",\"exitCode\":0,\"durationMs\":10},"
                + "\"threadId\":\"019e1a94-352b-71e1-b214-e5c67c9ec190\",\"turnId\":\"019e1a94-3553-7940-8af3-4ca57142deb7\","
                + "\"completedAtMs\":1778562381151}}");
        ItemProjector p = new ItemProjector();
        List<TranscriptMessage> out = p.onNotification("item/completed", notification.path("params"));
        assertThat(json(out)).isEqualTo("[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":"
                + "\"codex_exec_f8a75c66-a89e-4fd7-8bcf-2d58e664fa9e\",\"type\":\"function\",\"function\":{\"name\":\"exec_command\","
                + "\"arguments\":\"{\\\"command\\\":\\\"/bin/bash -lc 'echo hello && ls /tmp | head -3'\\\",\\\"cwd\\\":\\\"/tmp\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"content\":\"hello\\naa_lang.json\\n\",\"tool_call_id\":\"codex_exec_f8a75c66-a89e-4fd7-8bcf-2d58e664fa9e\"}]");
        assertThat(p.toolIterations()).isEqualTo(1);
        String failed = one("{\"type\":\"commandExecution\",\"id\":\"x\",\"command\":\"c\",\"cwd\":\"/\",\"status\":\"failed\","
                + "\"aggregatedOutput\":\"boom\",\"exitCode\":2}").get(1).content();
        assertThat(failed).isEqualTo("[exit 2]\nboom");
    }

    @Test
    void aResultNoteGoesBeforeTheToolResultWhetherTheItemCompletesOrNot() {
        ItemProjector p = new ItemProjector();
        p.noteResult("call-d", "[resolved elsewhere]");
        p.noteResult("call-c", "[withdrawn]");
        p.noteResult("msg", "[not a tool]");
        List<TranscriptMessage> tool = p.completed(item("{\"type\":\"dynamicToolCall\",\"id\":\"call-d\",\"tool\":\"lookup\","
                + "\"arguments\":{},\"status\":\"completed\",\"success\":true,\"contentItems\":[{\"type\":\"inputText\",\"text\":\"from B\"}]}"));
        assertThat(tool).extracting(TranscriptMessage::content).containsExactly(null, "[resolved elsewhere]\nfrom B");
        assertThat(p.completed(item("{\"type\":\"agentMessage\",\"id\":\"msg\",\"text\":\"hi\"}")))
                .extracting(TranscriptMessage::content).containsExactly("hi");
        p.started(item("{\"type\":\"commandExecution\",\"id\":\"call-c\",\"command\":\"ls\",\"cwd\":\"/\",\"status\":\"inProgress\"}"));
        List<TranscriptMessage> left = p.finish();
        assertThat(left.get(1).content()).startsWith("[withdrawn]\n[incomplete");
        assertThat(left.get(1).incomplete()).isTrue();
        // a note is used once: the same id later (a new turn's projector would not have it anyway) is left as it is
        assertThat(p.completed(item("{\"type\":\"dynamicToolCall\",\"id\":\"call-d\",\"tool\":\"lookup\",\"arguments\":{},"
                + "\"status\":\"completed\",\"success\":true,\"contentItems\":[{\"type\":\"inputText\",\"text\":\"again\"}]}")).get(1).content())
                .isEqualTo("again");
    }

    @Test
    void referenceSyntheticVectors() {
        ItemProjector p = new ItemProjector();
        p.completed(item("{\"type\":\"reasoning\",\"id\":\"r1\",\"summary\":[\"s1\"],\"content\":[\"c1\",\"c2\"]}"));
        List<TranscriptMessage> msg = p.completed(item("{\"type\":\"agentMessage\",\"id\":\"x\",\"text\":\"hi there\"}"));
        assertThat(msg.get(0).reasoning()).isEqualTo("s1\nc1\nc2");
        assertThat(p.finalText()).isEqualTo("hi there");

        assertThat(one("{\"type\":\"fileChange\",\"id\":\"fc1\",\"status\":\"completed\",\"changes\":[{\"kind\":{\"type\":\"add\"},"
                + "\"path\":\"/src/new.py\"},{\"kind\":{\"type\":\"update\"},\"path\":\"/src/old.py\"}]}").get(1).content())
                .isEqualTo("apply_patch completed: 1 add, 1 update: new.py, old.py");
        List<TranscriptMessage> mcp = one("{\"type\":\"mcpToolCall\",\"id\":\"m2\",\"server\":\"x\",\"tool\":\"y\",\"status\":\"failed\","
                + "\"arguments\":{},\"result\":null,\"error\":{\"code\":-1,\"message\":\"no\"}}");
        assertThat(mcp.get(0).toolCalls().get(0).function().name()).isEqualTo("mcp__x__y");
        assertThat(mcp.get(1).content()).isEqualTo("[error] no");
        assertThat(one("{\"type\":\"mcpToolCall\",\"id\":\"m1\",\"server\":\"obsidian\",\"tool\":\"search_notes\",\"status\":\"completed\","
                + "\"arguments\":{\"query\":\"hermes\"},\"result\":{\"content\":[{\"text\":\"found\"}]},\"error\":null}").get(1).content())
                .isEqualTo("{\"text\":\"found\"}");
        assertThat(one("{\"type\":\"dynamicToolCall\",\"id\":\"d1\",\"tool\":\"x\",\"arguments\":{},\"status\":\"completed\","
                + "\"contentItems\":[],\"success\":true}").get(1).content()).isEqualTo("success=true");
        assertThat(one("{\"type\":\"userMessage\",\"id\":\"u1\",\"content\":[{\"type\":\"text\",\"text\":\"hello\"},"
                + "{\"type\":\"image\",\"url\":\"data:image/png;base64,AAAA\"},{\"type\":\"text\",\"text\":\"world\"}]}").get(0).content())
                .isEqualTo("hello\n[image]\nworld");
        List<TranscriptMessage> plan = one("{\"type\":\"plan\",\"id\":\"p1\",\"text\":\"do the thing\"}");
        assertThat(plan).singleElement().satisfies(m -> {
            assertThat(m.content()).isEqualTo("[codex plan] do the thing");
            assertThat(m.toolCalls()).isNull();
        });
        assertThat(one("{\"id\":\"z\"}").get(0).content()).isEqualTo("[codex ] {\"id\":\"z\"}");
        assertThat(one("{\"type\":\"contextCompaction\",\"id\":\"cc\"}")).isEmpty();
    }

    @Test
    void opaqueNotesForUnknownTypesConsumeNoReasoningAndFabricateNoToolCall() {
        ItemProjector p = new ItemProjector();
        p.completed(item("{\"type\":\"reasoning\",\"id\":\"r\",\"summary\":[\"think\"]}"));
        List<TranscriptMessage> note = p.completed(item("{\"type\":\"brandNewThing\",\"id\":\"n\",\"payload\":{\"b\":1,\"a\":\"é\"}}"));
        assertThat(note).singleElement().satisfies(m -> {
            assertThat(m.content()).isEqualTo("[codex brandNewThing] {\"id\":\"n\",\"payload\":{\"a\":\"é\",\"b\":1},\"type\":\"brandNewThing\"}");
            assertThat(m.toolCalls()).isNull();
            assertThat(m.reasoning()).isNull();
        });
        assertThat(p.completed(item("{\"type\":\"agentMessage\",\"id\":\"a\",\"text\":\"x\"}")).get(0).reasoning()).isEqualTo("think");
    }

    @Test
    void idlessItemsGetDistinctDeterministicIds() {
        String a = "{\"type\":\"commandExecution\",\"command\":\"ls\",\"cwd\":\"/\",\"status\":\"completed\",\"exitCode\":0}";
        String b = "{\"type\":\"commandExecution\",\"command\":\"pwd\",\"cwd\":\"/\",\"status\":\"completed\",\"exitCode\":0}";
        ItemProjector p1 = new ItemProjector();
        String id1 = p1.completed(item(a)).get(0).toolCalls().get(0).id();
        String id2 = p1.completed(item(b)).get(0).toolCalls().get(0).id();
        String id3 = p1.completed(item(a)).get(0).toolCalls().get(0).id();
        assertThat(List.of(id1, id2, id3)).doesNotHaveDuplicates();
        assertThat(id3).isEqualTo(id1 + "_2");
        ItemProjector p2 = new ItemProjector();
        assertThat(p2.completed(item(a)).get(0).toolCalls().get(0).id()).isEqualTo(id1);
        assertThat(id1).matches("codex_exec_[0-9a-f]{16}");
        String odd = one("{\"type\":\"mcpToolCall\",\"id\":\"call 1/x\",\"server\":\"my.srv\",\"tool\":\"t\",\"arguments\":{}}")
                .get(0).toolCalls().get(0).id();
        assertThat(odd).matches("[A-Za-z0-9_-]+");
    }

    @Test
    void longOutputsAreTruncatedVisiblyKeepingHeadAndTail() {
        String output = "HEAD" + "x".repeat(100_000) + "TAIL";
        ItemProjector p = new ItemProjector(new ProjectorOptions(1000, 200, 200));
        String content = p.completed(item(Json.write(Json.object().put("type", "commandExecution").put("id", "c")
                .put("command", "cat big").put("cwd", "/").put("status", "completed").put("exitCode", 0)
                .put("aggregatedOutput", output)))).get(1).content();
        assertThat(content).hasSizeLessThanOrEqualTo(1000).startsWith("HEAD").endsWith("TAIL")
                .contains("characters truncated]");
    }

    @Test
    void finishClosesWhatNeverCompletedIncludingPartialAgentText() {
        ItemProjector p = new ItemProjector();
        p.onNotification("item/started", Json.parse("{\"item\":{\"type\":\"agentMessage\",\"id\":\"m\",\"text\":\"\"}}"));
        p.onNotification("item/agentMessage/delta", Json.parse("{\"itemId\":\"m\",\"delta\":\"Half an ans\"}"));
        p.onNotification("item/started", Json.parse("{\"item\":{\"type\":\"mcpToolCall\",\"id\":\"t\",\"server\":\"s\",\"tool\":\"x\","
                + "\"arguments\":{\"q\":1},\"status\":\"inProgress\"}}"));
        assertThat(p.messages()).isEmpty();
        List<TranscriptMessage> closed = p.finish();
        assertThat(closed).hasSize(3).allSatisfy(m -> assertThat(m.incomplete()).isTrue());
        assertThat(closed.get(0).content()).isEqualTo("Half an ans");
        assertThat(closed.get(2).content()).startsWith("[incomplete");
        assertThat(p.finish()).isEmpty();
    }

    @Test
    void decodedNotificationsProjectAsTheirJsonDoes() {
        ItemProjector typed = new ItemProjector();
        typed.onNotification(ItemStartedNotification.builder().item(ThreadItem.AgentMessage.builder().id("m").text("").build()).build());
        typed.onNotification(AgentMessageDeltaNotification.builder().itemId("m").delta("Half").build());
        typed.onNotification(ItemCompletedNotification.builder().item(ThreadItem.CommandExecution.builder().id("c").command("ls")
                .cwd("/").status(CommandExecutionStatus.FAILED).exitCode(2).aggregatedOutput("boom").build()).build());
        typed.onNotification(new ServerNotification.Unknown("item/brandNew", Json.object()));
        typed.finish();

        ItemProjector fromJson = new ItemProjector();
        fromJson.onNotification("item/started", Json.parse("{\"item\":{\"type\":\"agentMessage\",\"id\":\"m\",\"text\":\"\"}}"));
        fromJson.onNotification("item/agentMessage/delta", Json.parse("{\"itemId\":\"m\",\"delta\":\"Half\"}"));
        fromJson.onNotification("item/completed", Json.parse("{\"item\":{\"type\":\"commandExecution\",\"id\":\"c\","
                + "\"command\":\"ls\",\"cwd\":\"/\",\"status\":\"failed\",\"exitCode\":2,\"aggregatedOutput\":\"boom\"}}"));
        fromJson.onNotification("item/brandNew", Json.object());
        fromJson.finish();

        assertThat(typed.messages()).isEqualTo(fromJson.messages()).hasSize(3);
        assertThat(typed.messages().get(1).content()).isEqualTo("[exit 2]\nboom");
        assertThat(typed.messages().get(2).content()).isEqualTo("Half");
    }

    @Test
    void anItemWhoseFieldsDoNotFitItsTypeIsAnOpaqueNoteNotAToolCall() {
        ItemProjector p = new ItemProjector();
        List<TranscriptMessage> out = p.completed(item("{\"type\":\"commandExecution\",\"id\":\"c\",\"command\":{\"argv\":[\"ls\"]}}"));
        assertThat(out).singleElement().satisfies(m -> {
            assertThat(m.content()).isEqualTo("[codex commandExecution] {\"command\":{\"argv\":[\"ls\"]},\"id\":\"c\",\"type\":\"commandExecution\"}");
            assertThat(m.toolCalls()).isNull();
        });
        assertThat(p.toolIterations()).isZero();
    }

    @Test
    void theOlderCollabToolCallNameIsStillACollabToolCall() {
        List<TranscriptMessage> out = one("{\"type\":\"collabToolCall\",\"id\":\"k\",\"tool\":\"spawnAgent\",\"prompt\":\"go\","
                + "\"status\":\"completed\"}");
        assertThat(out).hasSize(2);
        assertThat(out.get(0).toolCalls().get(0).function().name()).isEqualTo("collab__spawnAgent");
        assertThat(out.get(0).toolCalls().get(0).source().tool()).isEqualTo("spawnAgent");
        assertThat(out.get(0).toolCalls().get(0).function().arguments()).isEqualTo("{\"prompt\":\"go\"}");
        assertThat(out.get(1).content()).isEqualTo("completed");
    }

    @Test
    void functionCallOutputIsANoteWithEveryFieldOfTheItem() {
        assertThat(one("{\"type\":\"functionCallOutput\",\"id\":\"f\",\"name\":\"shell\",\"output\":\"ok\"}").get(0).content())
                .isEqualTo("[codex functionCallOutput] {\"completedAtMs\":null,\"id\":\"f\",\"name\":\"shell\",\"namespace\":null,"
                        + "\"output\":\"ok\",\"startedAtMs\":null,\"type\":\"functionCallOutput\"}");
    }

    @Test
    void chatShapeJsonAlwaysHasContentAndOmitsEmptyFields() {
        assertThat(TranscriptMessage.user("hi").toJson()).isEqualTo("{\"role\":\"user\",\"content\":\"hi\"}");
        assertThat(TranscriptMessage.toolResult("id", null, false).toJson())
                .isEqualTo("{\"role\":\"tool\",\"content\":null,\"tool_call_id\":\"id\"}");
    }
}
