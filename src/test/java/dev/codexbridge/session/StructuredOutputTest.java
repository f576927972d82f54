package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.internal.turn.StructuredOutput;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The check of a turn's final answer against its output schema (decision 0066). */
class StructuredOutputTest {
    private static final String COUNT = "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}},\"required\":[\"n\"]}";

    @Test
    void anAnswerOutsideTheSchemaSaysWhereAndWhat() {
        assertThat(StructuredOutput.check("{\"n\": 7}", Json.parse(COUNT))).isNull();

        TurnFailure wrong = StructuredOutput.check("{\"n\": \"seven\"}", Json.parse(COUNT));

        assertThat(wrong.category()).isEqualTo(ErrorCategory.STRUCTURED_OUTPUT);
        assertThat(wrong.message()).isEqualTo("structured output failed validation: /n: Value is [string] but should be [integer]");
        assertThat(StructuredOutput.check("{}", Json.parse(COUNT)).message())
                .isEqualTo("structured output failed validation: /: Object does not have some of the required properties [n]");
    }

    @Test
    void theDraftIsTheOneTheSchemaNamesElse2020_12() {
        // draft-04's exclusiveMaximum is a flag on maximum; from draft-06 on it is a number of its own
        String draft4 = "{\"$schema\":\"http://json-schema.org/draft-04/schema#\",\"type\":\"number\",\"maximum\":5,\"exclusiveMaximum\":true}";
        assertThat(StructuredOutput.check("4", Json.parse(draft4))).isNull();
        assertThat(StructuredOutput.check("5", Json.parse(draft4)).message()).startsWith("structured output failed validation: /: ");

        TurnFailure undeclared = StructuredOutput.check("4", Json.parse("{\"type\":\"number\",\"maximum\":5,\"exclusiveMaximum\":true}"));
        assertThat(undeclared.message()).startsWith("structured output could not be checked: the output schema is not usable");
    }

    @Test
    void aReferenceOutsideTheSchemaIsNeverFetched() throws Exception {
        AtomicInteger fetched = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            fetched.incrementAndGet();
            byte[] body = "{\"type\":\"integer\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            String remote = "{\"$ref\":\"http://127.0.0.1:" + server.getAddress().getPort() + "/count.json\"}";

            TurnFailure failure = StructuredOutput.check("7", Json.parse(remote));

            assertThat(failure.message()).isEqualTo("structured output failed validation: /: Resolution of $ref [http://127.0.0.1:"
                    + server.getAddress().getPort() + "/count.json] failed");
            assertThat(fetched).hasValue(0);
        } finally {
            server.stop(0);
        }
    }
}
