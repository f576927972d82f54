package dev.codexbridge.transcript;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.ThreadItem;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The documented mapping of {@link ToolNames}, example by example (the property test covers the rest). */
class ToolNamesTest {

    @Test
    void plainNamesAreJoinedWithDoubleUnderscores() {
        assertThat(ToolNames.mcp("everything", "echo")).isEqualTo("mcp__everything__echo");
        assertThat(ToolNames.mcp("everything", "get-sum")).isEqualTo("mcp__everything__get-sum");
        assertThat(ToolNames.mcp("my-server", "read_file")).isEqualTo("mcp__my-server__read_file");
        assertThat(ToolNames.dynamic(null, "lookup_ticket")).isEqualTo("lookup_ticket");
        assertThat(ToolNames.dynamic("tickets", "lookup")).isEqualTo("tickets__lookup");
        assertThat(ToolNames.collab("spawnAgent")).isEqualTo("collab__spawnAgent");
    }

    @Test
    void namesThatNeedCleaningGetAHashOfTheOriginal() {
        String dotted = ToolNames.mcp("echo", "say.loud");
        assertThat(dotted).matches("mcp__echo__say_loud_[0-9a-f]{8}");
        assertThat(ToolNames.mcp("echo", "say loud")).matches("mcp__echo__say_loud_[0-9a-f]{8}").isNotEqualTo(dotted);
        assertThat(ToolNames.mcp("echo", "say_loud")).isEqualTo("mcp__echo__say_loud");
        assertThat(ToolNames.mcp("éch✓", "x")).matches("mcp___ch___x_[0-9a-f]{8}");
        assertThat(ToolNames.mcp("echo", "")).matches("mcp__echo___[0-9a-f]{8}");
    }

    @Test
    void longNamesAreCutTo64WithTheHash() {
        String name = ToolNames.mcp("server", "t".repeat(200));
        assertThat(name).hasSize(64).startsWith("mcp__server__ttt").matches(".*_[0-9a-f]{8}");
        assertThat(ToolNames.mcp("server", "t".repeat(201))).hasSize(64).isNotEqualTo(name);
    }

    @Test
    void splittingOnDoubleUnderscoresStaysUnambiguous() {
        // server "a__b" + tool "c" and server "a" + tool "b__c" would both join to mcp__a__b__c
        assertThat(ToolNames.mcp("a__b", "c")).isNotEqualTo(ToolNames.mcp("a", "b__c"));
        assertThat(ToolNames.mcp("a_", "_b")).isNotEqualTo(ToolNames.mcp("a", "__b"));
        assertThat(ToolNames.dynamic(null, "tickets__lookup")).isNotEqualTo(ToolNames.dynamic("tickets", "lookup"));
    }

    @Test
    void aDynamicToolCannotTakeABuiltInOrAnMcpName() {
        assertThat(ToolNames.dynamic(null, "exec_command")).matches("exec_command_[0-9a-f]{8}");
        assertThat(ToolNames.dynamic("mcp", "echo")).matches("mcp__echo_[0-9a-f]{8}");
        assertThat(ToolNames.dynamic("collab", "spawnAgent")).isNotEqualTo(ToolNames.collab("spawnAgent"));
        // a plain name that already ends like a hashed one is hashed too, so it cannot meet a hashed name
        assertThat(ToolNames.dynamic(null, "lookup_0123abcd")).matches("lookup_0123abcd_[0-9a-f]{8}");
    }

    @Test
    void theCallKeepsCodexsNamesOutsideTheChatJson() {
        ItemProjector p = new ItemProjector();
        List<TranscriptMessage> out = p.completed(Json.convert(Json.parse("{\"type\":\"mcpToolCall\",\"id\":\"m1\","
                + "\"server\":\"every thing\",\"tool\":\"get.sum\",\"status\":\"completed\",\"arguments\":{\"a\":1},"
                + "\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"3\"}]},\"error\":null}"), ThreadItem.class));
        TranscriptMessage.ToolCall call = out.get(0).toolCalls().get(0);
        assertThat(call.function().name()).isEqualTo(ToolNames.mcp("every thing", "get.sum")).matches(ToolNames.VALID);
        assertThat(call.source()).isEqualTo(new TranscriptMessage.Source("mcpToolCall", "every thing", null, "get.sum", "m1"));
        assertThat(out.get(0).toJson()).doesNotContain("every thing").doesNotContain("source")
                .contains("\"name\":\"" + call.function().name() + "\"");
    }
}
