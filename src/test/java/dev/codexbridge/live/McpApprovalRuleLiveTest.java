package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalKind;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.EchoMcpServer;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnLimits;

/**
 * Which MCP tool calls the pinned codex asks the host about ({@code mcpServer/elicitation/request})
 * and which it runs directly or refuses, by the tool's MCP annotations, the server's
 * {@code default_tools_approval_mode}, a tool's own {@code approval_mode} and the approval policy.
 * docs/session.md ("Which MCP tool calls are asked") states the same rule.
 */
class McpApprovalRuleLiveTest {
    /** What codex did with one call. */
    enum Outcome {
        /** The host was asked (and approved), then the tool ran. */
        ASKED,
        /** The tool ran without asking. */
        RAN,
        /** Codex refused the call without asking: "MCP tool call requires approval". */
        REFUSED
    }

    /**
     * Tool (annotations in {@link EchoMcpServer#ANNOTATED_TOOLS}) → {asked under mode {@code auto},
     * asked under mode {@code writes}}. Auto asks unless {@code readOnlyHint} is true or both
     * {@code destructiveHint} and {@code openWorldHint} are false (absent counts as the MCP
     * defaults: not read-only, destructive, open world); writes asks unless {@code readOnlyHint}
     * is true. {@code idempotentHint} plays no part.
     */
    private static final Map<String, boolean[]> ASKS = new LinkedHashMap<>();

    static {
        asks("plain", true, true);
        asks("emptyannotations", true, true);
        asks("readonly", false, false);
        asks("notreadonly", true, true);
        asks("nondestructive", true, true);
        asks("destructive", true, true);
        asks("openworld", true, true);
        asks("closedworld", true, true);
        asks("idempotent", true, true);
        asks("nondestructiveclosedworld", false, true);
        asks("nondestructiveopenworld", true, true);
        asks("destructiveclosedworld", true, true);
        asks("notreadonlyclosedworld", true, true);
        asks("notreadonlynondestructiveclosedworld", false, true);
        asks("readonlyopenworld", false, false);
        asks("readonlydestructive", false, false);
        asks("readonlynondestructiveclosedworld", false, false);
        asks("nondestructiveclosedworldidempotent", false, true);
    }

    private static void asks(String tool, boolean auto, boolean writes) {
        ASKS.put(tool, new boolean[] {auto, writes});
    }

    /** Tool → its own {@code approval_mode} on server {@code tuned} (whose default is unset). */
    private static final Map<String, String> TUNED = Map.of(
            "readonly", "prompt",
            "destructive", "approve",
            "nondestructiveclosedworld", "writes",
            "notreadonly", "auto");

    /**
     * Server name (also its {@code default_tools_approval_mode}, except {@code unset} and
     * {@code tuned}) → tool → whether a policy that can ask ({@code on-request}, {@code untrusted})
     * asks before calling it.
     */
    private static final Map<String, Function<String, Boolean>> SERVERS = new LinkedHashMap<>();

    static {
        SERVERS.put("unset", tool -> ASKS.get(tool)[0]);
        SERVERS.put("auto", tool -> ASKS.get(tool)[0]);
        SERVERS.put("writes", tool -> ASKS.get(tool)[1]);
        SERVERS.put("prompt", tool -> true);
        SERVERS.put("approve", tool -> false);
        SERVERS.put("tuned", tool -> switch (TUNED.getOrDefault(tool, "auto")) {
            case "prompt" -> true;
            case "approve" -> false;
            case "writes" -> ASKS.get(tool)[1];
            default -> ASKS.get(tool)[0];
        });
    }

    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private final WireSchema.Recorder wire = new WireSchema.Recorder();

    @BeforeEach
    void setUp() {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
    }

    @AfterEach
    void tearDown() {
        if (model != null) {
            model.close();
            assertThat(WireSchema.pinned().validateConversation(wire)).as("every message the session sent matches the schema").isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"on-request", "untrusted", "never"})
    void whichToolCallsAreAskedFollowsTheAnnotationsTheApprovalModeAndThePolicy(String policy) throws Exception {
        StringBuilder toml = new StringBuilder();
        for (String server : SERVERS.keySet()) {
            toml.append(EchoMcpServer.annotatedConfigToml(server));
            if (!server.equals("unset") && !server.equals("tuned")) {
                toml.append("default_tools_approval_mode = \"").append(server).append("\"\n");
            }
        }
        TUNED.forEach((tool, mode) -> toml.append("[mcp_servers.tuned.tools.").append(tool).append("]\n")
                .append("approval_mode = \"").append(mode).append("\"\n"));
        // One model reply per server, calling all its tools at once: far fewer round trips than a call per reply.
        for (String server : SERVERS.keySet()) {
            ModelReply.Builder reply = ModelReply.builder();
            for (String tool : ASKS.keySet()) {
                String call = server + "_" + tool;
                reply.mcpCall(call, server, tool, Json.object().put("text", call));
            }
            model.enqueue(reply.build());
        }
        model.enqueue(ModelReply.message("done"));
        Set<String> asked = ConcurrentHashMap.newKeySet();
        ApprovalPolicy approvals = ApprovalPolicy.builder().handler(r -> {
            if (r.kind() == ApprovalKind.MCP_TOOL_CALL) {
                asked.add(r.serverName() + "_" + r.toolName());
            }
            return CompletableFuture.completedFuture(ApprovalDecision.once());
        }).build();

        try (CodexSession s = session(toml.toString(), policy, approvals)) {
            TurnResult r = s.runTurn(TurnInput.text("call every tool"));
            assertThat(r.status()).as("the turn %s; model requests %d, %d of them past the script", r,
                    model.responsesRequests().size(), model.unscriptedRequests()).isEqualTo(TurnOutcome.COMPLETED);
        }

        boolean canAsk = !policy.equals("never");
        Map<String, Outcome> expected = new LinkedHashMap<>();
        Map<String, Outcome> observed = new LinkedHashMap<>();
        SERVERS.forEach((server, asks) -> ASKS.keySet().forEach(tool -> {
            String call = server + "_" + tool;
            expected.put(call, !asks.apply(tool) ? Outcome.RAN : canAsk ? Outcome.ASKED : Outcome.REFUSED);
            String output = output(call);
            boolean ran = output.contains("echo: " + call + "\"");
            observed.put(call, asked.contains(call) && ran ? Outcome.ASKED
                    : ran ? Outcome.RAN
                    : !asked.contains(call) && output.contains("MCP tool call requires approval") ? Outcome.REFUSED
                    : null);
        }));
        assertThat(observed).as("policy %s: call → outcome", policy).containsExactlyEntriesOf(expected);
    }

    @Test
    void onceApprovesOneCallAndSessionTheRestOfTheSession() throws Exception {
        String toml = EchoMcpServer.annotatedConfigToml("echo");
        // Each tool twice: "destructive" answered ONCE, "openworld" answered SESSION.
        for (String call : List.of("destructive_1", "destructive_2", "openworld_1", "openworld_2")) {
            model.enqueue(ModelReply.builder().mcpCall(call, "echo", call.substring(0, call.indexOf('_')),
                    Json.object().put("text", call)).build());
        }
        model.enqueue(ModelReply.message("done"));
        List<ApprovalRequest> asked = Collections.synchronizedList(new ArrayList<>());
        ApprovalPolicy approvals = ApprovalPolicy.builder().handler(r -> {
            asked.add(r);
            return CompletableFuture.completedFuture(r.toolName().equals("destructive") ? ApprovalDecision.once() : ApprovalDecision.session());
        }).build();

        try (CodexSession s = session(toml, "on-request", approvals)) {
            TurnResult r = s.runTurn(TurnInput.text("call twice"));
            assertThat(r.status()).as("the turn %s", r).isEqualTo(TurnOutcome.COMPLETED);
        }

        assertThat(asked).extracting(ApprovalRequest::toolName).containsExactly("destructive", "destructive", "openworld");
        assertThat(asked).allSatisfy(a -> assertThat(a.choicesOffered()).containsExactly("once", "session", "always"));
        for (String call : List.of("destructive_1", "destructive_2", "openworld_1", "openworld_2")) {
            assertThat(output(call)).contains("echo: " + call + "\"");
        }
    }

    /** {@link EchoMcpServer}'s servers are {@code required}, so codex starts the thread only once they are up. */
    private CodexSession session(String toml, String policy, ApprovalPolicy approvals) throws java.io.IOException {
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).extraToml(toml).write();
        return CodexSession.builder().connection(CodexClient.builder().process(CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).build()).wireTap(wire).options()).replaceThreadOptions(ThreadOptions.builder().cwd(Files.createDirectories(tmp.resolve("work"))).askForApproval(policy).build())
                .limits(TurnLimits.of(Duration.ofSeconds(120), Duration.ZERO)).approvals(approvals).build();
    }

    /** The output codex returned to the model for {@code callId}. */
    private String output(String callId) {
        return model.responsesRequests().stream().map(q -> q.functionCallOutput(callId))
                .filter(java.util.Optional::isPresent).map(java.util.Optional::get).findFirst().orElse("<no output>");
    }
}
