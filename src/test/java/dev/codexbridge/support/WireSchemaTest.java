package dev.codexbridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import org.junit.jupiter.api.Test;

/** The schema check itself must be able to fail, or the live tests prove nothing. */
class WireSchemaTest {
    private final WireSchema schema = WireSchema.pinned();

    @Test
    void acceptsWhatCodexAccepts() {
        assertThat(schema.validateOutgoing(Json.parse(
                "{\"id\":1,\"method\":\"initialize\",\"params\":{\"clientInfo\":{\"name\":\"n\",\"title\":null,\"version\":\"1\"},"
                        + "\"capabilities\":{\"experimentalApi\":true}}}"))).isEmpty();
        assertThat(schema.validateOutgoing(Json.parse("{\"method\":\"initialized\",\"params\":{}}"))).isEmpty();
        assertThat(schema.validateOutgoing(Json.parse(
                "{\"id\":2,\"method\":\"thread/start\",\"params\":{\"cwd\":\"/w\",\"sandbox\":\"read-only\"}}"))).isEmpty();
        assertThat(schema.validateOutgoing(Json.parse("{\"id\":3,\"method\":\"thread/start\",\"params\":{},\"trace\":"
                + "{\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\",\"tracestate\":\"k=v\"}}"))).isEmpty();
        assertThat(schema.validateResponse("item/commandExecution/requestApproval",
                Json.parse("{\"decision\":\"accept\"}"))).isEmpty();
    }

    @Test
    void rejectsMisspelledFieldsWrongEnumsMissingRequiredFieldsAndUnknownMethods() {
        assertThat(schema.validateOutgoing(Json.parse(
                "{\"id\":2,\"method\":\"thread/start\",\"params\":{\"cwdd\":\"/w\"}}"))).isNotEmpty();
        assertThat(schema.validateOutgoing(Json.parse(
                "{\"id\":2,\"method\":\"thread/start\",\"params\":{\"sandbox\":\"workspaceWrite\"}}"))).isNotEmpty();
        assertThat(schema.validateOutgoing(Json.parse(
                "{\"id\":1,\"method\":\"initialize\",\"params\":{}}"))).isNotEmpty();
        assertThat(schema.validateOutgoing(Json.parse("{\"id\":1,\"method\":\"no/such/method\",\"params\":{}}")))
                .containsExactly("request method `no/such/method` is not in the schema");
        assertThat(schema.validateOutgoing(Json.parse("{\"id\":1.5,\"method\":\"initialize\",\"params\":"
                + "{\"clientInfo\":{\"name\":\"n\",\"version\":\"1\"}}}"))).isNotEmpty();
        assertThat(schema.validateOutgoing(Json.parse(
                "{\"id\":3,\"method\":\"thread/start\",\"params\":{},\"trace\":{\"traceparent\":1}}"))).isNotEmpty();
        assertThat(schema.validateOutgoing(Json.parse(
                "{\"id\":3,\"method\":\"thread/start\",\"params\":{},\"trace\":{\"traceParent\":\"x\"}}"))).isNotEmpty();
        assertThat(schema.validateOutgoing(Json.parse(
                "{\"id\":3,\"method\":\"thread/start\",\"params\":{},\"tracing\":{}}"))).isNotEmpty();
        assertThat(schema.validateResponse("item/commandExecution/requestApproval",
                Json.parse("{\"decision\":\"approved\"}"))).isNotEmpty();
        assertThat(schema.validateResponse("item/permissions/requestApproval",
                Json.parse("{\"decision\":\"decline\"}"))).isNotEmpty();
    }
}
