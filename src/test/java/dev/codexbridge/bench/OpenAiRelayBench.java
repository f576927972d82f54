package dev.codexbridge.bench;

import static dev.codexbridge.bench.ProcMemory.median;
import static dev.codexbridge.bench.ProcMemory.percentile;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.json.Json;
import dev.codexbridge.openai.OpenAiServer;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A function tool's round trip answered where its turn is held against the same answer sent to
 * another replica sharing the store, which hands it over (decision 0136): two OpenAI doors, each
 * with its own codex and home, one disk store, the scripted model calling the tool on a thread's
 * first request and answering "ok" once it holds the output. Each pair starts a new conversation
 * on the first door and times the request carrying the output, sent to the first door or to the
 * second, alternating; pair 0 of each a warm-up. Run with {@code bin/bench openai-relay [PAIRS]}.
 */
public final class OpenAiRelayBench {
    private static final String KEY = "bench-key-0123456789abcdef";

    private OpenAiRelayBench() {
    }

    public static void main(String[] args) throws Exception {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        Path tmp = Files.createTempDirectory("codex-bridge-openai-relay-bench-");
        Path work = Files.createDirectories(tmp.resolve("work"));
        List<Double> here = new ArrayList<>();
        List<Double> relayed = new ArrayList<>();
        try (ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(r ->
                     r.functionCallOutput("call-w").isPresent() ? ModelReply.message("ok")
                             : ModelReply.builder().dynamicToolCall("call-w", "weather", Json.object().put("city", "Oslo")).build());
             CodexClient codexA = codex(tmp.resolve("home-a"), model);
             CodexClient codexB = codex(tmp.resolve("home-b"), model);
             DiskConversationStore storeA = DiskConversationStore.open(tmp.resolve("store"));
             DiskConversationStore storeB = DiskConversationStore.open(tmp.resolve("store"));
             OpenAiServer a = door(codexA, storeA, "replica-a", work);
             OpenAiServer b = door(codexB, storeB, "replica-b", work)) {
            OpenAIClient toA = client(a);
            OpenAIClient toB = client(b);
            for (int i = 0; i <= pairs; i++) {
                for (boolean across : new boolean[] {false, true}) {
                    Response first = toA.responses().create(withWeather().input("weather in Oslo?").build());
                    ResponseFunctionToolCall call = first.output().stream().filter(ResponseOutputItem::isFunctionCall)
                            .map(ResponseOutputItem::asFunctionCall).findFirst().orElseThrow();
                    long t0 = System.nanoTime();
                    Response second = (across ? toB : toA).responses().create(withWeather().previousResponseId(first.id())
                            .inputOfResponse(List.of(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                                    .callId(call.callId()).output("sunny").build()))).build());
                    double ms = (System.nanoTime() - t0) / 1e6;
                    if (!second.status().map(s -> s.asString().equals("completed")).orElse(false)) {
                        throw new IllegalStateException("the output's response did not complete: " + second);
                    }
                    if (i > 0) {
                        (across ? relayed : here).add(ms);
                    }
                }
            }
        }
        System.out.printf("the request carrying a function output, %d of each (ms): p50 / p90 / max%n", pairs);
        System.out.printf("  to the replica holding the turn:   %7.1f / %7.1f / %7.1f%n", median(here), percentile(here, 0.9),
                percentile(here, 1.0));
        System.out.printf("  to the other replica (handed over): %7.1f / %7.1f / %7.1f%n", median(relayed), percentile(relayed, 0.9),
                percentile(relayed, 1.0));
        System.out.printf("  added by the hand-over, p50: %+.1f ms%n", median(relayed) - median(here));
    }

    private static CodexClient codex(Path home, ScriptedModelServer model) throws Exception {
        IsolatedCodexHome.builder(home, model.baseUrl()).write();
        return CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).codexHome(home).build())
                .experimentalApi(true).connect();
    }

    private static OpenAiServer door(CodexClient codex, DiskConversationStore store, String holder, Path work) {
        CodexGateway gateway = CodexGateway.builder().client(codex)
                .storage(ConversationStorage.builder(store, holder).leaseTime(ConversationStorage.DOORS_LEASE).build())
                .configure(s -> s.cwd(work)).build();
        return OpenAiServer.builder().gateway(gateway).authenticator(BearerTokens.of(Map.of(KEY, "bench"))).start();
    }

    private static OpenAIClient client(OpenAiServer door) {
        return OpenAIOkHttpClient.builder().baseUrl(door.uri() + "v1").apiKey(KEY).maxRetries(0).timeout(Duration.ofSeconds(120)).build();
    }

    private static ResponseCreateParams.Builder withWeather() {
        return ResponseCreateParams.builder().model("codex").addTool(FunctionTool.builder().name("weather").description("The weather")
                .strict(false).parameters(FunctionTool.Parameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string")))).build()).build());
    }
}
