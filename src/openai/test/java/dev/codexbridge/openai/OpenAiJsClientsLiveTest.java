package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.json.Json;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JavaScript clients against the door, the real pinned codex behind it on the scripted model (one
 * codex and one door for the class): OpenAI's Node SDK ({@code openai}), Vercel's AI SDK with its OpenAI
 * provider ({@code ai}, {@code @ai-sdk/openai}) and the OpenAI Agents SDK ({@code @openai/agents}), pinned
 * in src/openai/test/js and installed by the build. Each script drives its client through several
 * exchanges and prints a JSON summary this class asserts on.
 */
class OpenAiJsClientsLiveTest {
    private static final String ALICE = OpenAiToolsLiveTest.ALICE;
    /** A script's bound: several turns, each awaited by its client. */
    private static final Duration SCRIPT = Duration.ofSeconds(180);

    private static LiveCodex live;
    private static OpenAiServer server;

    @BeforeAll
    static void start() throws Exception {
        live = LiveCodex.start("openai-js");
        server = OpenAiServer.builder().gateway(live.gateway()).authenticator(BearerTokens.of(Map.of(ALICE, "alice",
                OpenAiToolsLiveTest.BOB, "bob"))).start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {server, live}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void theOpenAiNodeSdk() throws Exception {
        int before = live.model().responsesRequests().size();
        live.model().enqueue(ModelReply.message("JS one."),
                ModelReply.builder().streamedMessage(List.of("JS ", "two ", "streamed.")).build(),
                ModelReply.builder().dynamicToolCall("call-js-oslo", "weather", Json.object().put("city", "Oslo")).build(),
                ModelReply.message("Sunny in Oslo."),
                ModelReply.message("{\"answer\":42}"),
                ModelReply.message("Chat one."),
                ModelReply.builder().streamedMessage(List.of("Chat ", "two.")).build(),
                ModelReply.builder().streamedMessage(List.of("Done ", "in the ", "background.")).build());
        JsonNode out = node("openai-sdk.mjs", OpenAiToolsLiveTest.BOB);

        assertThat(out.at("/create/object").asText()).isEqualTo("response");
        assertThat(out.at("/create/status").asText()).isEqualTo("completed");
        assertThat(out.at("/create/outputText").asText()).as("the SDK's output_text").isEqualTo("JS one.");
        String first = out.at("/create/id").asText();
        assertThat(first).startsWith("resp_");

        List<String> types = strings(out.at("/stream/types"));
        assertThat(types.get(0)).isEqualTo("response.created");
        assertThat(types.get(types.size() - 1)).isEqualTo("response.completed");
        assertThat(types).containsSubsequence("response.created", "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.completed");
        assertThat(types).filteredOn("response.output_text.delta"::equals).hasSize(3);
        assertThat(out.at("/stream/deltas").asText()).isEqualTo("JS two streamed.");
        assertThat(out.at("/stream/completedText").asText()).as("response.completed carries the output").isEqualTo("JS two streamed.");
        assertThat(out.at("/stream/completedStatus").asText()).isEqualTo("completed");
        assertThat(out.at("/stream/previousResponseId").asText()).isEqualTo(first);
        // previous_response_id ran the turn on the same codex thread: the model saw the first exchange
        assertThat(live.model().responsesRequests().get(before + 1).userTexts()).anySatisfy(t -> assertThat(t).contains("say one"));

        assertThat(out.at("/tool/name").asText()).isEqualTo("weather");
        assertThat(out.at("/tool/arguments/city").asText()).isEqualTo("Oslo");
        assertThat(Json.parse(out.at("/tool/argDeltas").asText()).path("city").asText()).as("responses.stream's argument deltas")
                .isEqualTo("Oslo");
        assertThat(out.at("/tool/askedStatus").asText()).isEqualTo("completed");
        assertThat(out.at("/tool/text").asText()).isEqualTo("Sunny in Oslo.");
        assertThat(live.model().responsesRequests().get(before + 3).functionCallOutput("call-js-oslo"))
                .hasValueSatisfying(o -> assertThat(o).contains("sunny, 21 C"));

        assertThat(out.at("/parsed/value/answer").asInt()).as("the SDK's output_parsed").isEqualTo(42);
        JsonNode format = live.model().responsesRequests().get(before + 4).body().path("text").path("format");
        assertThat(format.path("type").asText()).as("the zod schema reached the model as codex's output schema").isEqualTo("json_schema");
        assertThat(format.path("schema").path("properties").path("answer").path("type").asText()).isEqualTo("integer");
        assertThat(format.path("schema").path("required").get(0).asText()).isEqualTo("answer");

        assertThat(out.at("/chat/object").asText()).isEqualTo("chat.completion");
        assertThat(out.at("/chat/role").asText()).isEqualTo("assistant");
        assertThat(out.at("/chat/content").asText()).isEqualTo("Chat one.");
        assertThat(out.at("/chat/finishReason").asText()).isEqualTo("stop");
        assertThat(String.join("", strings(out.at("/chat/streamed")))).isEqualTo("Chat two.");
        assertThat(out.at("/chat/streamed").size()).isGreaterThanOrEqualTo(2);
        assertThat(out.at("/chat/streamedFinishReason").asText()).isEqualTo("stop");

        assertThat(out.at("/background/background").asBoolean()).isTrue();
        assertThat(out.at("/background/createdStatus").asText()).isIn("queued", "in_progress");
        assertThat(out.at("/background/polledStatus").asText()).isEqualTo("completed");
        assertThat(out.at("/background/text").asText()).isEqualTo("Done in the background.");
        List<Integer> resumed = new java.util.ArrayList<>();
        out.at("/background/resumed").forEach(n -> resumed.add(n.asInt()));
        assertThat(resumed).as("responses.stream from starting_after 1: every later event, in order").isNotEmpty().startsWith(2);
        for (int i = 1; i < resumed.size(); i++) {
            assertThat(resumed.get(i)).isEqualTo(resumed.get(i - 1) + 1);
        }
        assertThat(out.at("/background/pickedText").asText()).isEqualTo("Done in the background.");
        assertThat(out.at("/background/pickedStatus").asText()).isEqualTo("completed");
        assertThat(out.at("/background/cancel/badRequest").asBoolean()).as("an ended response is not cancelled: %s",
                out.at("/background/cancel")).isTrue();

        assertThat(out.at("/errors/wrongKey/authenticationError").asBoolean()).as(out.at("/errors").toString()).isTrue();
        assertThat(out.at("/errors/wrongKey/status").asInt()).isEqualTo(401);
        assertThat(out.at("/errors/otherPrincipal/notFoundError").asBoolean()).as(out.at("/errors").toString()).isTrue();
        assertThat(out.at("/errors/otherPrincipal/status").asInt()).isEqualTo(404);
        assertThat(live.model().responsesRequests()).as("each turn went to the model once, the errors never").hasSize(before + 8);
    }

    /**
     * The SDK's own retries: a door holding one conversation answers a second one 429
     * {@code too_many_conversations} with {@code retry-after} while the first runs its turn (held at
     * the model until the 429 is seen), and the SDK sends it again until it is taken.
     */
    @Test
    void theOpenAiNodeSdkRetriesWhatTheDoorRefusesForNow() throws Exception {
        int before = live.model().responsesRequests().size();
        CountDownLatch release = holdModel("Held answer.");
        try (OpenAiServer narrow = OpenAiServer.builder().gateway(live.gateway()).authenticator(BearerTokens.of(Map.of(ALICE, "alice")))
                .conversations(1, 1).start()) {
            JsonNode out = node("openai-sdk-retry.mjs", narrow, line -> switch (line) {
                case "running" -> {
                    live.model().awaitResponsesRequests(before + 1, Duration.ofSeconds(60));
                    yield "go";
                }
                case "busy" -> {
                    if (release.getCount() > 0) {
                        live.model().enqueue(ModelReply.message("And now."));
                        release.countDown();
                    }
                    yield null;
                }
                default -> null;
            });
            assertThat(out.path("first").asText()).isEqualTo("Held answer.");
            assertThat(out.path("second").asText()).isEqualTo("And now.");
            JsonNode attempts = out.path("attempts");
            assertThat(attempts.size()).as(attempts.toString()).isGreaterThanOrEqualTo(2);
            assertThat(attempts.get(0).path("status").asInt()).isEqualTo(429);
            assertThat(attempts.get(0).path("retryAfter").asText()).isEqualTo("2");
            assertThat(attempts.get(0).path("shouldRetry").asText()).isEqualTo("true");
            assertThat(attempts.get(attempts.size() - 1).path("status").asInt()).as("sent again by the SDK until taken").isEqualTo(200);
            assertThat(live.model().responsesRequests()).as("each turn reached the model once, the refused sends never").hasSize(before + 2);
        } finally {
            release.countDown();
            live.model().respondWhenEmpty(null);
        }
    }

    /**
     * The Node SDK's {@code responses.cancel} of a background response whose turn codex holds at the
     * model: answered {@code cancelled}, read so, cancelled again the same; codex asked the model once.
     */
    @Test
    void theOpenAiNodeSdkCancelsABackgroundResponseWhileItsTurnRuns() throws Exception {
        int before = live.model().responsesRequests().size();
        CountDownLatch release = holdModel("Too late.");
        try {
            JsonNode out = node("openai-sdk-cancel.mjs", server, line -> {
                if (line.equals("created")) {
                    live.model().awaitResponsesRequests(before + 1, Duration.ofSeconds(60));
                    return "go";
                }
                return null;
            });
            assertThat(out.at("/created/background").asBoolean()).isTrue();
            assertThat(out.at("/created/status").asText()).isIn("queued", "in_progress");
            assertThat(out.at("/cancelled/status").asText()).isEqualTo("cancelled");
            assertThat(out.at("/read").asText()).isEqualTo("cancelled");
            assertThat(out.at("/again").asText()).isEqualTo("cancelled");
            assertThat(live.model().responsesRequests()).as("the model was asked once").hasSize(before + 1);
        } finally {
            release.countDown();
            live.model().respondWhenEmpty(null);
        }
    }

    @Test
    void vercelsAiSdkWithItsOpenAiProvider() throws Exception {
        int before = live.model().responsesRequests().size();
        live.model().enqueue(ModelReply.message("AI three."),
                ModelReply.builder().streamedMessage(List.of("AI ", "four ", "streamed.")).build(),
                ModelReply.builder().dynamicToolCall("call-ai-lima", "weather", Json.object().put("city", "Lima")).build(),
                ModelReply.message("Mild in Lima."));
        JsonNode out = node("ai-sdk.mjs");

        assertThat(out.at("/generate/text").asText()).isEqualTo("AI three.");
        assertThat(out.at("/generate/finishReason").asText()).isEqualTo("stop");
        assertThat(out.at("/generate/responseId").asText()).startsWith("resp_");

        assertThat(strings(out.at("/stream/parts"))).containsExactly("AI ", "four ", "streamed.");
        assertThat(out.at("/stream/text").asText()).isEqualTo("AI four streamed.");
        assertThat(out.at("/stream/finishReason").asText()).isEqualTo("stop");

        assertThat(strings(out.at("/tool/executed"))).as("the SDK ran the call codex made").containsExactly("Lima");
        assertThat(out.at("/tool/toolCalls")).hasSize(1);
        assertThat(out.at("/tool/toolCalls/0/name").asText()).isEqualTo("weather");
        assertThat(out.at("/tool/toolCalls/0/input/city").asText()).isEqualTo("Lima");
        assertThat(out.at("/tool/steps").asInt()).isEqualTo(2);
        assertThat(out.at("/tool/text").asText()).isEqualTo("Mild in Lima.");
        assertThat(out.at("/tool/finishReason").asText()).isEqualTo("stop");
        List<RecordedRequest> requests = live.model().responsesRequests();
        assertThat(requests).hasSize(before + 4);
        // the result, re-sent with the whole history and no previous_response_id, went on with the same codex turn
        assertThat(requests.get(requests.size() - 1).functionCallOutput("call-ai-lima"))
                .hasValueSatisfying(o -> assertThat(o).contains("mild in Lima, 18 C"));
        assertThat(requests.get(requests.size() - 1).userTexts()).filteredOn(t -> t.contains("mild in Lima")).isEmpty();
    }

    @Test
    void theOpenAiAgentsSdkWithAFunctionToolAndApprovals() throws Exception {
        int before = live.model().responsesRequests().size();
        live.model().enqueue(ModelReply.builder().dynamicToolCall("call-ag-tromso", "weather", Json.object().put("city", "Tromso")).build(),
                ModelReply.message("Cold in Tromso."),
                ModelReply.builder().execCommandEscalated("call-ag-yes", "touch agents-yes", "Needs approval").build(),
                ModelReply.message("Made agents-yes."),
                ModelReply.builder().execCommandEscalated("call-ag-no", "touch agents-no", "Needs approval").build(),
                ModelReply.message("Did not make agents-no."));
        JsonNode out = node("agents-sdk.mjs");

        assertThat(strings(out.at("/tool/executed"))).as("the agent ran the call codex made").containsExactly("Tromso");
        assertThat(out.at("/tool/finalOutput").asText()).isEqualTo("Cold in Tromso.");
        assertThat(strings(out.at("/tool/items"))).containsSubsequence("tool_call_item", "tool_call_output_item", "message_output_item");
        List<RecordedRequest> requests = live.model().responsesRequests();
        assertThat(requests.get(before + 1).functionCallOutput("call-ag-tromso"))
                .hasValueSatisfying(o -> assertThat(o).contains("cold in Tromso, -3 C"));

        JsonNode yes = out.at("/approvals/0");
        assertThat(yes.path("asked")).hasSize(1);
        assertThat(yes.at("/asked/0/type").asText()).isEqualTo("tool_approval_item");
        assertThat(yes.at("/asked/0/name").asText()).isEqualTo("exec_command");
        assertThat(yes.at("/asked/0/serverLabel").asText()).isEqualTo("codex");
        assertThat(yes.at("/asked/0/arguments").asText()).contains("touch agents-yes");
        assertThat(yes.path("finalOutput").asText()).isEqualTo("Made agents-yes.");
        assertThat(live.work().resolve("agents-yes")).as("the approved command ran").exists();

        JsonNode no = out.at("/approvals/1");
        assertThat(no.path("asked")).hasSize(1);
        assertThat(no.at("/asked/0/arguments").asText()).contains("touch agents-no");
        assertThat(no.path("finalOutput").asText()).isEqualTo("Did not make agents-no.");
        assertThat(live.work().resolve("agents-no")).as("the rejected command did not run").doesNotExist();
        requests = live.model().responsesRequests();
        assertThat(requests).hasSize(before + 6);
        assertThat(requests.get(requests.size() - 1).functionCallOutput("call-ag-no")).hasValueSatisfying(o -> assertThat(o)
                .contains("rejected"));
    }

    @Test
    void theOpenAiAgentsSdkOnAConversationKeptByTheServerAndAsASession() throws Exception {
        int before = live.model().responsesRequests().size();
        live.model().enqueue(ModelReply.message("Juniper, noted."), ModelReply.message("Juniper."), ModelReply.message("Sorrel, noted."),
                ModelReply.message("Sorrel."));
        JsonNode out = node("agents-sdk-conversations.mjs");
        assertThat(out.path("error").isMissingNode()).as(out.toString()).isTrue();

        assertThat(strings(out.at("/server/outputs"))).containsExactly("Juniper, noted.", "Juniper.");
        List<String> texts = new ArrayList<>();
        out.at("/server/items").forEach(i -> texts.add(i.path("role").asText() + ": " + i.path("text").asText()));
        assertThat(texts).containsExactly("user: remember the word juniper", "assistant: Juniper, noted.", "user: which word?",
                "assistant: Juniper.");
        List<RecordedRequest> requests = live.model().responsesRequests();
        assertThat(requests.get(before + 1).lastUserText()).as("only the new input: the conversation's thread went on").hasValue("which word?");
        assertThat(requests.get(before + 1).userTexts()).contains("remember the word juniper");

        assertThat(strings(out.at("/session/outputs"))).containsExactly("Sorrel, noted.", "Sorrel.");
        List<String> kept = new ArrayList<>();
        out.at("/session/items").forEach(i -> kept.add(i.path("role").asText() + ": " + i.path("text").asText()));
        assertThat(kept).as("the session's history, kept in the conversation's items").containsSubsequence(
                "user: remember the word sorrel", "assistant: Sorrel, noted.", "user: which word was it?", "assistant: Sorrel.");
        assertThat(requests.get(before + 3).bodyJson()).as("the history the session sent reached codex")
                .contains("remember the word sorrel").contains("which word was it?");
        assertThat(out.at("/session/cleared").asBoolean()).isTrue();
        assertThat(requests).hasSize(before + 4);
    }

    private static CompletableFuture<String> read(java.io.InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static List<String> strings(JsonNode array) {
        List<String> list = new ArrayList<>();
        array.forEach(n -> list.add(n.asText()));
        return list;
    }

    /** The model answers {@code answer} to the next unscripted request once the latch returned opens: a turn that runs until then. */
    private static CountDownLatch holdModel(String answer) {
        CountDownLatch release = new CountDownLatch(1);
        live.model().respondWhenEmpty(request -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ModelReply.message(answer);
        });
        return release;
    }

    /** Runs a script against the door as alice (with another principal's key after it, if given): its JSON summary. */
    private static JsonNode node(String script, String... more) throws Exception {
        return node(script, server, line -> null, more);
    }

    /**
     * Runs a script against {@code door} as alice: its JSON summary, its last line. {@code onLine} hears
     * each line it prints before, and what it returns (unless null) is written back to the script.
     */
    private static JsonNode node(String script, OpenAiServer door, Function<String, String> onLine, String... more) throws Exception {
        Path file = Paths.get(OpenAiJsClientsLiveTest.class.getResource("/openai-js/" + script).toURI());
        assertThat(file.resolveSibling("node_modules/openai/package.json")).as("installed by the build").exists();
        List<String> command = new ArrayList<>(List.of("node", file.toString(), door.uri() + "v1", ALICE));
        command.addAll(List.of(more));
        Process p = new ProcessBuilder(command).directory(file.getParent().toFile()).start();
        try {
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
                try (BufferedReader lines = p.inputReader(StandardCharsets.UTF_8); Writer back = p.outputWriter(StandardCharsets.UTF_8)) {
                    String last = "";
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        last = line;
                        String answer = line.startsWith("{") ? null : onLine.apply(line);
                        if (answer != null) {
                            back.write(answer + "\n");
                            back.flush();
                        }
                    }
                    return last;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            CompletableFuture<String> err = read(p.getErrorStream());
            assertThat(p.waitFor(SCRIPT.toSeconds(), TimeUnit.SECONDS)).as("the script ended").isTrue();
            assertThat(p.exitValue()).as(out.get() + err.get()).isZero();
            JsonNode summary = Json.parse(out.get());
            System.out.println(script + ": " + summary);
            assertThat(summary.has("error")).as(summary.path("error").asText() + "\n" + err.get()).isFalse();
            return summary;
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
