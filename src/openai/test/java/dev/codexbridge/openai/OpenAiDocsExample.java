package dev.codexbridge.openai;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/** docs/openai.md's Java blocks, compiled on this module's class path (DocsJavaBlocksTest checks the doc shows them as compiled). */
final class OpenAiDocsExample {
    private OpenAiDocsExample() {
    }

    static Response ask(String key) {
        // docs/openai.md#client:BEGIN
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:8080/v1").apiKey(key).build();
        Response r = client.responses().create(ResponseCreateParams.builder().model("codex").input("List the files").build());
        // docs/openai.md#client:END
        return r;
    }

    static void serve(CodexClient codex, Path work, ApprovalPolicy hostPolicy, Path keys, CountDownLatch stopped)
            throws IOException, InterruptedException {
        // docs/openai.md#embedded:BEGIN
        CodexGateway gateway = CodexGateway.builder().client(codex).configure(b -> b.cwd(work))
                .approvals(hostPolicy).build();
        try (OpenAiServer server = OpenAiServer.builder().gateway(gateway).models(OpenAiModels.of(codex))
                .authenticator(BearerTokens.read(keys)).port(8080).start()) {
            stopped.await();                    // served until the host stops it; close() drains, then stops
        }
        // docs/openai.md#embedded:END
    }

    static Response sendOnce(OpenAIClient client, String key) {
        // docs/openai.md#idempotency-key:BEGIN
        client.responses().create(ResponseCreateParams.builder().model("gpt-5").input("deploy the site")
                .putAdditionalHeader("Idempotency-Key", key).build());                  // openai-java
        // docs/openai.md#idempotency-key:END
        return client.responses().create(ResponseCreateParams.builder().model("gpt-5").input("deploy the site")
                .putAdditionalHeader("Idempotency-Key", key).build());
    }

    static RouterFunction<ServerResponse> reactive(CodexGateway gateway, dev.codexbridge.callers.Authenticator callers) {
        // docs/openai.md#webflux:BEGIN
        OpenAiWebFluxHandler door = OpenAiServer.builder().gateway(gateway).authenticator(callers).webFlux("/v1");
        RouterFunction<ServerResponse> routes = RouterFunctions.route(RequestPredicates.path("/v1/**"), door);
        // docs/openai.md#webflux:END
        return routes;
    }
}
