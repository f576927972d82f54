package dev.codexbridge.springai.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.springai.CodexChatModel;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.tool.DynamicTool;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * What the Spring AI 2.0 adapter adds to a turn and to a tool call's round trip, against the same
 * work on a {@link CodexSession} directly: one codex app-server (a shared client), one home, the
 * scripted model, one thread per contender. A plain turn is {@code ChatClient...call().content()}
 * answered in one message; a tool turn is the model calling {@code lookup}, codex calling the host
 * (for the adapter: the model returning the call, ChatClient's tool-calling advisor running the
 * {@code @Tool} method and prompting again with its result), and the model answering. Blocks of
 * TURNS per contender in a rotating order, round 0 a warm-up; the JVM's CPU per turn beside (codex
 * is another process). Run with {@code bin/bench spring-ai [TURNS] [ROUNDS]}.
 */
public final class SpringAiBench {
    private SpringAiBench() {
    }

    /** The application's tool. */
    public static final class Lookup {
        @Tool(description = "Looks a word up")
        public String lookup(@ToolParam(description = "the word") String word) {
            return "found";
        }
    }

    public static void main(String[] args) throws Exception {
        int turns = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path tmp = Files.createTempDirectory("codex-bridge-spring-ai-bench-");
        Path work = Files.createDirectories(tmp.resolve("work"));
        AtomicInteger calls = new AtomicInteger();
        DynamicTool direct = DynamicTool.ofJson("lookup", "Looks a word up",
                "{\"type\":\"object\",\"properties\":{\"word\":{\"type\":\"string\"}},\"required\":[\"word\"]}",
                arguments -> DynamicTool.Result.text("found"));
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (ScriptedModelServer model = ScriptedModelServer.start().recording(false).respondWhenEmpty(r -> reply(r, calls));
             CodexClient codex = CodexClient.builder().experimentalApi(true)
                     .process(CodexLaunch.appServer(new CodexLocator().locate(null).binary())
                             .codexHome(IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write()).build()).connect();
             CodexSession plainSession = CodexSession.builder().client(codex).cwd(work).build();
             CodexSession toolSession = CodexSession.builder().client(codex).cwd(work).dynamicTool(direct).build();
             CodexChatModel plainModel = CodexChatModel.builder().client(codex).cwd(work).build();
             CodexChatModel toolModel = CodexChatModel.builder().client(codex).cwd(work).build()) {
            ChatClient plainChat = ChatClient.create(plainModel);
            // the tools given once, as an application's ChatClient bean has them: Spring AI reads the @Tool methods then
            ChatClient toolChat = ChatClient.builder(toolModel).defaultTools(new Lookup()).build();
            String[] names = {"direct turn", "adapter turn", "direct tool turn", "adapter tool turn"};
            List<List<Double>> medians = new ArrayList<>();
            double[] cpuMs = new double[names.length];
            for (int i = 0; i < names.length; i++) {
                medians.add(new ArrayList<>());
            }
            for (int r = 0; r <= rounds; r++) {
                for (int k = 0; k < names.length; k++) {
                    int contender = (r + k) % names.length;
                    double[] ms = new double[turns];
                    long cpu0 = os.getProcessCpuTime();
                    for (int i = 0; i < turns; i++) {
                        long t0 = System.nanoTime();
                        switch (contender) {
                            case 0 -> completed(plainSession.runTurn(TurnInput.text("plain")));
                            case 1 -> expect(plainChat.prompt().user("plain").call().content(), "ok");
                            case 2 -> completed(toolSession.runTurn(TurnInput.text("tool")));
                            default -> expect(toolChat.prompt().user("tool").call().content(), "found it");
                        }
                        ms[i] = (System.nanoTime() - t0) / 1e6;
                    }
                    if (r > 0) {
                        Arrays.sort(ms);
                        medians.get(contender).add(ms[turns / 2]);
                        cpuMs[contender] += (os.getProcessCpuTime() - cpu0) / 1e6 / turns / rounds;
                    }
                }
            }
            for (int i = 0; i < names.length; i++) {
                System.out.printf("%s: median per round %s ms; this JVM's CPU per turn %.2f ms%n", names[i], medians.get(i), cpuMs[i]);
            }
            System.out.printf("turn: direct %.1f ms, adapter %.1f ms (%+.1f ms); tool turn: direct %.1f ms, adapter %.1f ms (%+.1f ms)%n",
                    median(medians.get(0)), median(medians.get(1)), median(medians.get(1)) - median(medians.get(0)),
                    median(medians.get(2)), median(medians.get(3)), median(medians.get(3)) - median(medians.get(2)));
        }
    }

    /** The model: after a tool's output, an answer; asked for "tool", a call of it; otherwise "ok". */
    private static ModelReply reply(RecordedRequest r, AtomicInteger calls) {
        List<JsonNode> input = r.inputItems();
        JsonNode last = input.isEmpty() ? Json.object() : input.get(input.size() - 1);
        if ("function_call_output".equals(last.path("type").asText())) {
            return ModelReply.message("found it");
        }
        if (r.lastUserText().map("tool"::equals).orElse(false)) {
            return ModelReply.builder().dynamicToolCall("bench-call-" + calls.incrementAndGet(), "lookup",
                    Json.object().put("word", "codex")).build();
        }
        return ModelReply.message("ok");
    }

    private static void expect(String answer, String wanted) {
        if (!wanted.equals(answer)) {
            throw new IllegalStateException("the adapter answered " + answer);
        }
    }

    private static void completed(TurnResult r) {
        if (r.status() != TurnOutcome.COMPLETED) {
            throw new IllegalStateException("turn " + r.status() + ": " + r.error());
        }
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[a.length / 2];
    }
}
