package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.protocol.CommandExecParams;
import dev.codexbridge.protocol.ConfigReadParams;
import dev.codexbridge.protocol.FuzzyFileSearchParams;
import dev.codexbridge.protocol.GetAccountParams;
import dev.codexbridge.protocol.GetAccountRateLimitsParams;
import dev.codexbridge.protocol.ListMcpServerStatusParams;
import dev.codexbridge.protocol.ModelListParams;
import dev.codexbridge.protocol.SkillsListParams;
import dev.codexbridge.protocol.ThreadListParams;
import dev.codexbridge.protocol.ThreadLoadedListParams;
import dev.codexbridge.protocol.ThreadReadParams;
import dev.codexbridge.protocol.ThreadStartParams;
import dev.codexbridge.protocol.ThreadTurnsListParams;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.support.MatrixCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.EchoMcpServer;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The read-only typed methods of the protocol group tests ({@code ProtocolGroupsLiveTest}) against
 * each release the matrix keeps beside the pinned one ({@link MatrixCodex}: the previous pin and
 * 0.130.0; in a survey the release {@code -Dcodexbridge.compatVersion} names): per method, {@code ok}, {@code error} (code and message), {@code undecodable}
 * (the answer does not fit the pinned version's type) or {@code unknown} (that codex has no such
 * method). The result must equal {@code fixtures/compatibility/VERSION-methods.json}
 * (docs/compatibility.md); {@code -Dcodexbridge.recordMethodMatrix=true} rewrites the file, and
 * with {@code -Dcodexbridge.compatSurvey=DIR} it is written to {@code DIR} instead of checked
 * ({@code bin/codex-release}).
 */
class MethodCompatibilityLiveTest {
    private static final boolean RECORD = Boolean.getBoolean("codexbridge.recordMethodMatrix");
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    @TempDir
    Path tmp;

    static Stream<MatrixCodex> releases() {
        return MatrixCodex.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("releases")
    void readOnlyMethodsOnEachReleaseOfTheMatrixBehaveAsDocumented(MatrixCodex release) throws Exception {
        Path codex = release.binary();
        String version = release.version();
        Path matrix = Paths.get("fixtures", "compatibility", version + "-methods.json");

        ObjectNode results = Json.object();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path tree = Files.createDirectories(tmp.resolve("tree").resolve("src"));
            Files.writeString(tree.resolve("BridgeClient.java"), "class BridgeClient {}\n");
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).extraToml(EchoMcpServer.configToml("echo")).write();
            WireSchema.Recorder wire = new WireSchema.Recorder();
            try (CodexClient client = CodexClient.builder()
                    .process(CodexLaunch.appServer(codex).codexHome(home).workingDirectory(work).build())
                    .wireTap(wire).requestTimeout(Duration.ofSeconds(30)).connect()) {
                // the one write: a thread in the temporary home, so thread/read and thread/turns/list have something to read
                String threadId = client.threadStart(ThreadStartParams.builder().cwd(work.toString()).build()).thread().id();
                Map<String, Function<CodexClient, Object>> calls = new LinkedHashMap<>();
                calls.put("thread/list", c -> "threads: " + c.threadList(ThreadListParams.builder().build()).data().size());
                calls.put("thread/read", c -> "cwd matches: " + c.threadRead(new ThreadReadParams(false, threadId)).thread().cwd().equals(work.toString()));
                calls.put("thread/turns/list", c -> "turns: " + c.threadTurnsList(ThreadTurnsListParams.builder().threadId(threadId).build()).data().size());
                calls.put("thread/loaded/list", c -> "loaded: " + c.threadLoadedList(new ThreadLoadedListParams(null, null)).data().size());
                calls.put("model/list", c -> "models: " + c.modelList(ModelListParams.builder().build()).data().size());
                calls.put("account/read", c -> "account: " + c.accountRead(new GetAccountParams(false)).account());
                calls.put("account/rateLimits/read", c -> c.accountRateLimitsRead(new GetAccountRateLimitsParams(null, null)));
                calls.put("config/read", c -> "model: " + c.configRead(new ConfigReadParams(work.toString(), true)).config().model());
                calls.put("configRequirements/read", c -> "requirements: " + c.configRequirementsRead().requirements());
                calls.put("mcpServerStatus/list", c -> "servers: " + c.mcpServerStatusList(ListMcpServerStatusParams.builder().build()).data().stream()
                        .map(m -> m.name() + " " + new java.util.TreeSet<>(m.tools().keySet())).toList());
                calls.put("skills/list", c -> "entries: " + c.skillsList(new SkillsListParams(List.of(work.toString()), true)).data().size());
                calls.put("command/exec", c -> {
                    var r = c.commandExec(CommandExecParams.builder().command(List.of("echo", "hi")).cwd(work.toString()).build());
                    return "exit " + r.exitCode() + ", stdout " + Json.write(Json.nodes().textNode(r.stdout()));
                });
                calls.put("fuzzyFileSearch", c -> "first: " + c.fuzzyFileSearch(new FuzzyFileSearchParams(null, "bridgeclient", List.of(tmp.resolve("tree").toString()))).files().get(0).path());
                calls.forEach((method, call) -> results.set(method, outcome(method, () -> call.apply(client), tmp)));
            }
            assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent matches the pinned schema").isEmpty();
        }

        ObjectNode doc = Json.object();
        doc.put("codexVersion", version);
        doc.put("about", "The read-only typed CodexApi methods exercised by ProtocolGroupsLiveTest, called by a CodexClient on codex " + version + ". "
                + "status: ok | error (code, message) | undecodable (the answer does not fit the " + CodexVersion.PINNED + " result type) "
                + "| unknown (no such method in " + version + "). "
                + "Checked by MethodCompatibilityLiveTest; rewrite with -Dcodexbridge.recordMethodMatrix=true.");
        doc.set("methods", results);
        String survey = CompatibilityLiveTest.SURVEY;
        Path written = survey != null ? Paths.get(survey, matrix.getFileName().toString()) : RECORD ? matrix : null;
        if (written != null) {
            Files.createDirectories(written.getParent());
            Files.writeString(written, Json.mapper().writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc) + "\n");
        } else {
            assertThat(matrix).as("no method matrix for codex %s: survey it with bin/codex-release %s (docs/compatibility.md)", version, version)
                    .exists();
            JsonNode committed = Json.parse(Files.readString(matrix));
            assertThat(results).as("codex %s answers the typed methods differently than %s says", version, matrix).isEqualTo(committed.get("methods"));
        }
    }

    private static ObjectNode outcome(String method, java.util.function.Supplier<Object> call, Path tmp) {
        ObjectNode o = Json.object();
        try {
            Object result = call.get();
            assertThat(result).as("%s answered", method).isNotNull();
            o.put("status", "ok");
            o.put("result", String.valueOf(result));
        } catch (RuntimeException e) {
            Throwable t = Futures.unwrap(e);
            if (t instanceof RpcException rpc) {
                // the temporary folder and the thread's id change from run to run
                String message = rpc.error().message().replace(tmp.toString(), "<tmp>").replaceAll(UUID, "<id>");
                boolean unknown = rpc.code() == -32601 || message.contains("unknown variant `" + method + "`");
                o.put("status", unknown ? "unknown" : "error");
                o.put("code", rpc.code());
                o.put("message", unknown && message.length() > 120 ? message.substring(0, message.indexOf('`', message.indexOf('`') + 1) + 1) : message);
            } else if (t instanceof CodexException && String.valueOf(t.getMessage()).contains("does not fit")) {
                o.put("status", "undecodable");
                o.put("message", t.getMessage().replace(tmp.toString(), "<tmp>").replaceAll(UUID, "<id>"));
            } else {
                throw e;
            }
        }
        return o;
    }
}
