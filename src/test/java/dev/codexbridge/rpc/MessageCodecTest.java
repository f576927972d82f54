package dev.codexbridge.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.json.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

    private static JsonRpcMessage decode(String s) throws MalformedMessageException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return MessageCodec.decode(b, 0, b.length);
    }

    @Test
    void classifiesByShape() throws Exception {
        assertThat(decode("{\"id\":1,\"method\":\"m\",\"params\":{}}")).isInstanceOf(JsonRpcMessage.Request.class);
        assertThat(decode("{\"method\":\"m\",\"emittedAtMs\":5}")).isInstanceOf(JsonRpcMessage.Notification.class);
        assertThat(decode("{\"id\":1,\"result\":{}}")).isInstanceOf(JsonRpcMessage.Response.class);
        assertThat(decode("{\"id\":1,\"result\":null}")).isInstanceOf(JsonRpcMessage.Response.class);
        assertThat(decode("{\"id\":\"a\",\"error\":{\"code\":-1,\"message\":\"m\"}}")).isInstanceOf(JsonRpcMessage.ErrorResponse.class);
        assertThat(decode("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":null}")).isInstanceOf(JsonRpcMessage.Notification.class);
    }

    @Test
    void rejectsWhatIsNoMessage() {
        assertThatThrownBy(() -> decode("[]")).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> decode("{\"method\":3}")).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> decode("{\"id\":true,\"method\":\"m\"}")).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> decode("{\"id\":1}")).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> decode("{")).isInstanceOf(MalformedMessageException.class);
    }

    @Test
    void keepsLargeIdsAndStringIdsApart() throws Exception {
        JsonRpcMessage.Request big = (JsonRpcMessage.Request) decode("{\"id\":9007199254740993,\"method\":\"m\"}");
        assertThat(big.id().number()).isEqualTo(9007199254740993L);
        JsonRpcMessage.Request text = (JsonRpcMessage.Request) decode("{\"id\":\"9\",\"method\":\"m\"}");
        assertThat(text.id()).isNotEqualTo(JsonRpcId.of(9)).isEqualTo(JsonRpcId.of("9"));
    }

    @Test
    void encodesErrorsWithDataOnlyWhenPresent() {
        String plain = new String(MessageCodec.encode(new JsonRpcMessage.ErrorResponse(JsonRpcId.of(3),
                new RpcError(-32601, "nope"))), StandardCharsets.UTF_8);
        assertThat(plain).isEqualTo("{\"id\":3,\"error\":{\"code\":-32601,\"message\":\"nope\"}}");
        String withData = new String(MessageCodec.encode(new JsonRpcMessage.ErrorResponse(JsonRpcId.of("s"),
                new RpcError(-32603, "x", Json.object().put("k", 1)))), StandardCharsets.UTF_8);
        assertThat(withData).isEqualTo("{\"id\":\"s\",\"error\":{\"code\":-32603,\"message\":\"x\",\"data\":{\"k\":1}}}");
    }

    @Test
    void retryDelaysGrowAndStayCapped() {
        RetryPolicy p = new RetryPolicy(10, java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(800));
        for (int attempt = 1; attempt <= 10; attempt++) {
            long cap = Math.min(800, 100L << (attempt - 1));
            long ms = p.delayBefore(attempt).toMillis();
            assertThat(ms).isBetween(cap / 2, cap);
        }
    }
}
