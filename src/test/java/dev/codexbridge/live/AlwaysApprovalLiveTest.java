package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.approval.PersistentRule;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.CommandExecutionRequestApprovalParams;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.EchoMcpServer;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transcript.TranscriptMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What an "always" does to codex's home on the pinned codex (decision 0019): by default nothing
 * (it is the session, like SESSION); with {@code alwaysMeansSession(false)} exactly the rule the
 * handler was shown, which then lets every later session on that home run more than was asked.
 */
class AlwaysApprovalLiveTest {
    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path work;
    private Path home;
    private final WireSchema.Recorder wire = new WireSchema.Recorder();

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        work = Files.createDirectories(tmp.resolve("work"));
        home = tmp.resolve("home");
    }

    @AfterEach
    void tearDown() {
        if (model == null) {
            return;
        }
        model.close();
        assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent matches the schema").isEmpty();
    }

    /** A session on {@link #home} as it is now (written once by the test). */
    private CodexSession session(ApprovalPolicy approvals) {
        return CodexSession.builder().connection(CodexClient.builder().process(CodexLaunch.appServer(LiveCodex.binary())
                        .codexHome(home).build()).wireTap(wire).options()).cwd(work)
                .limits(TurnLimits.of(Duration.ofSeconds(120), Duration.ZERO)).approvals(approvals).build();
    }

    private static ApprovalPolicy.Builder answering(ApprovalChoice choice, List<ApprovalRequest> asked) {
        return ApprovalPolicy.builder().handler(r -> {
            asked.add(r);
            return CompletableFuture.completedFuture(new ApprovalDecision(choice, null, null));
        });
    }

    private static String toolOutput(TurnResult r, String callId) {
        return r.messages().stream().filter(m -> m.role() == TranscriptMessage.Role.TOOL && m.toolCallId().endsWith(callId))
                .map(TranscriptMessage::content).findFirst().orElse("<no output>");
    }

    @ParameterizedTest
    @EnumSource(value = ApprovalChoice.class, names = {"SESSION", "ALWAYS"})
    void byDefaultAlwaysIsTheSessionAndNeitherWritesARule(ApprovalChoice choice) {
        IsolatedCodexHome.builder(home, model.baseUrl()).askForApproval("on-request").write();
        model.enqueue(ModelReply.builder().execCommandEscalated("c1", "echo always-test", "why").build(),
                ModelReply.builder().execCommandEscalated("c2", "echo always-test", "why").build(),
                ModelReply.builder().execCommandEscalated("c3", "echo always-test --more", "why").build(),
                ModelReply.message("done"));
        List<ApprovalRequest> asked = Collections.synchronizedList(new ArrayList<>());
        try (CodexSession s = session(answering(choice, asked).build())) {
            TurnResult r = s.runTurn(TurnInput.text("run them"));
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            assertThat(toolOutput(r, "c1")).contains("always-test");
            assertThat(toolOutput(r, "c2")).contains("always-test");
            assertThat(toolOutput(r, "c3")).contains("always-test --more");
        }
        // codex 0.169 offers a permanent rule and no acceptForSession, yet honours acceptForSession:
        // the same command again runs unasked, one with another argument is asked about
        assertThat(asked).extracting(ApprovalRequest::title)
                .containsExactly("/bin/bash -c 'echo always-test'", "/bin/bash -c 'echo always-test --more'");
        assertThat(asked).allSatisfy(a -> {
            assertThat(a.choicesOffered()).containsExactly("accept", "acceptWithExecpolicyAmendment", "cancel");
            assertThat(a.persistentRule()).as("nothing would be written").isNull();
        });
        assertThat(asked.get(0).params()).isInstanceOfSatisfying(CommandExecutionRequestApprovalParams.class,
                p -> assertThat(p.proposedExecpolicyAmendment()).containsExactly("echo", "always-test"));
        assertThat(home.resolve("rules")).as("no rule file under CODEX_HOME").doesNotExist();
    }

    @Test
    void alwaysAllowedByThePolicyWritesTheShownPrefixRuleWhichEveryLaterSessionObeysUnasked() throws IOException {
        IsolatedCodexHome.builder(home, model.baseUrl()).askForApproval("on-request").write();
        model.enqueue(ModelReply.builder().execCommandEscalated("c1", "echo always-test", "why").build(), ModelReply.message("done"));
        List<ApprovalRequest> asked = Collections.synchronizedList(new ArrayList<>());
        try (CodexSession s = session(answering(ApprovalChoice.ALWAYS, asked).alwaysMeansSession(false).build())) {
            assertThat(toolOutput(s.runTurn(TurnInput.text("run it")), "c1")).contains("always-test");
        }
        PersistentRule shown = asked.get(0).persistentRule();
        assertThat(shown).isEqualTo(new PersistentRule.CommandPrefix(List.of("echo", "always-test")));
        assertThat(Files.readString(home.resolve(shown.file())))
                .isEqualTo("prefix_rule(pattern=[\"echo\", \"always-test\"], decision=\"allow\")\n")
                .isEqualTo(shown.text() + "\n");

        // Another session on the same home, whose handler denies everything, is never asked about
        // the same command with more arguments: it runs.
        model.enqueue(ModelReply.builder().execCommandEscalated("c2", "echo always-test --and-more-args", "why").build(),
                ModelReply.message("done"));
        List<ApprovalRequest> askedLater = Collections.synchronizedList(new ArrayList<>());
        try (CodexSession s = session(answering(ApprovalChoice.DENY, askedLater).build())) {
            assertThat(toolOutput(s.runTurn(TurnInput.text("run it")), "c2")).contains("always-test --and-more-args");
        }
        assertThat(askedLater).isEmpty();
    }

    @Test
    void theShownRuleQuotesWordsAsCodexWritesThem() throws IOException {
        IsolatedCodexHome.builder(home, model.baseUrl()).askForApproval("on-request").write();
        model.enqueue(ModelReply.builder().execCommandEscalated("c1", "echo 'say \"hi\"' 'back\\slash' 'tab\there' 'esc\u001b\bdel\u007f'", "why").build(),
                ModelReply.message("done"));
        List<ApprovalRequest> asked = Collections.synchronizedList(new ArrayList<>());
        try (CodexSession s = session(answering(ApprovalChoice.ALWAYS, asked).alwaysMeansSession(false).build())) {
            s.runTurn(TurnInput.text("run it"));
        }
        PersistentRule shown = asked.get(0).persistentRule();
        assertThat(shown).isEqualTo(new PersistentRule.CommandPrefix(List.of("echo", "say \"hi\"", "back\\slash", "tab\there", "esc\u001b\bdel\u007f")));
        assertThat(Files.readString(home.resolve(shown.file()))).isEqualTo(shown.text() + "\n");
    }

    @Test
    void anMcpToolsAlwaysIsTheSessionByDefaultAndOtherwiseTheShownApprovalModeInConfigToml() throws IOException {
        String toml = EchoMcpServer.annotatedConfigToml("echo");
        IsolatedCodexHome.builder(home, model.baseUrl()).askForApproval("on-request").extraToml(toml).write();
        String before = Files.readString(home.resolve("config.toml"));
        model.enqueue(ModelReply.builder().mcpCall("c1", "echo", "destructive", Json.object().put("text", "one")).build(),
                ModelReply.message("done"));
        List<ApprovalRequest> asked = Collections.synchronizedList(new ArrayList<>());
        try (CodexSession s = session(answering(ApprovalChoice.ALWAYS, asked).build())) {
            assertThat(s.runTurn(TurnInput.text("call it")).status()).isEqualTo(TurnOutcome.COMPLETED);
        }
        assertThat(asked).singleElement().satisfies(a -> {
            assertThat(a.choicesOffered()).containsExactly("once", "session", "always");
            assertThat(a.persistentRule()).isNull();
        });
        assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo(before);

        model.enqueue(ModelReply.builder().mcpCall("c2", "echo", "destructive", Json.object().put("text", "two")).build(),
                ModelReply.message("done"));
        asked.clear();
        try (CodexSession s = session(answering(ApprovalChoice.ALWAYS, asked).alwaysMeansSession(false).build())) {
            assertThat(s.runTurn(TurnInput.text("call it")).status()).isEqualTo(TurnOutcome.COMPLETED);
        }
        PersistentRule shown = asked.get(0).persistentRule();
        assertThat(shown).isEqualTo(new PersistentRule.McpToolApproval("echo", "destructive"));
        String after = Files.readString(home.resolve(shown.file()));
        assertThat(after).startsWith(before);
        assertThat(after.substring(before.length()).strip()).isEqualTo(shown.text());
    }
}
