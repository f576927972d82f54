package dev.codexbridge.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import org.junit.jupiter.api.Test;

/**
 * What codex 0.171.0 changed in shapes codex-bridge reads (docs/compatibility.md, "Moving the pin
 * to 0.171.0"): each new variant and value decodes into its own type and encodes back to the same
 * JSON; the shapes 0.169.0 still sends (it stays in the matrix) decode with nothing lost.
 */
class Codex0171ChangesDecodingTest {
    private static final String ITEM = "{\"threadId\":\"t\",\"turnId\":\"u\",\"completedAtMs\":1,\"item\":{\"type\":\"agentMessage\","
            + "\"id\":\"m\",\"text\":\"hi\",\"moderation\":{\"moderated\":true,\"display\":%s}}}";

    private static AgentMessageDisplay display(String json) {
        JsonNode params = Json.parse(String.format(ITEM, json));
        ServerNotification n = ProtocolDecoder.notification("item/completed", params);
        assertThat(Json.parse(Json.write(n))).as("re-encoded").isEqualTo(params);
        ThreadItem.AgentMessage item = (ThreadItem.AgentMessage) ((ItemCompletedNotification) n).item();
        return item.moderation().display();
    }

    @Test
    void agentMessageDisplayIsATaggedUnionOfShowHideAndBlock() {
        assertThat(display("{\"mode\":\"show\",\"version\":1,\"trustedContacts\":\"check\","
                + "\"annotation\":{\"kind\":\"wellbeingHelpline\",\"subject\":\"prompt\"}}"))
                .isInstanceOfSatisfying(AgentMessageDisplay.Show.class, s -> {
                    assertThat(s.trustedContacts()).isEqualTo(TrustedContacts.CHECK);
                    assertThat(s.version()).isEqualTo(1);               // a number on the wire, not an enum's ordinal
                });
        assertThat(display("{\"mode\":\"hide\",\"version\":1,\"replacement\":{\"kind\":\"wellbeingPromptHelpline\"}}"))
                .isInstanceOfSatisfying(AgentMessageDisplay.Hide.class,
                        h -> assertThat(h.replacement()).isInstanceOf(AnswerReplacement.WellbeingPromptHelpline.class));
        assertThat(display("{\"mode\":\"block\",\"version\":1,\"reason\":{\"kind\":\"cyber\",\"trustedAccess\":true}}"))
                .isInstanceOfSatisfying(AgentMessageDisplay.Block.class,
                        b -> assertThat(b.reason()).isEqualTo(new BlockReason.Cyber(true)));
    }

    @Test
    void codex0169sDisplayDecodesAsUnknownWithEveryField() {
        String old = "{\"action\":\"block\",\"blockType\":\"cyber\",\"checkTrustedContacts\":false,\"cyberTrustedAccess\":true}";
        assertThat(display(old)).isEqualTo(new AgentMessageDisplay.Unknown(Json.parse(old)));
    }

    @Test
    void bioPolicyIsACodexErrorInfoOfItsOwn() {
        assertThat(Json.convert(Json.parse("\"bioPolicy\""), CodexErrorInfo.class)).isSameAs(CodexErrorInfo.BIO_POLICY);
        assertThat(Json.write(CodexErrorInfo.BIO_POLICY)).isEqualTo("\"bioPolicy\"");
    }

    @Test
    void threadSearchPartialIsATypedNotification() {
        JsonNode params = Json.parse("{\"requestId\":7,\"data\":[{\"snippet\":\"…hello…\",\"thread\":{\"id\":\"t\"}}]}");
        ServerNotification n = ProtocolDecoder.notification("thread/search/partial", params);
        assertThat(n).isInstanceOfSatisfying(ThreadSearchPartialNotification.class, p -> {
            assertThat(p.data()).singleElement().satisfies(r -> assertThat(r.snippet()).isEqualTo("…hello…"));
            assertThat(p.data().get(0).thread().id()).isEqualTo("t");
        });
        assertThat(ServerNotifications.BY_METHOD.get("thread/search/partial").paramsType()).isEqualTo(ThreadSearchPartialNotification.class);
    }

    @Test
    void modelProviderDefaultSetAnswersAConfigWrite() {
        assertThat(ClientRequests.MODEL_PROVIDER_DEFAULT_SET.resultType()).isEqualTo(ConfigWriteResponse.class);
        assertThat(ClientRequests.MODEL_PROVIDER_DEFAULT_SET.experimental()).isFalse();
        // as 0.171.0 answered it, asked by hand with an isolated CODEX_HOME
        ConfigWriteResponse r = Json.convert(Json.parse("{\"status\":\"ok\",\"version\":\"sha256:56a5\","
                + "\"filePath\":\"/home/config.toml\",\"overriddenMetadata\":null}"), ConfigWriteResponse.class);
        assertThat(r.filePath()).isEqualTo("/home/config.toml");
        assertThat(r.status()).isEqualTo(WriteStatus.OK);
        assertThat(ClientRequests.THREAD_SEARCH_STREAM.resultType()).isEqualTo(ThreadSearchResponse.class);
    }
}
