package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.ApprovalRequest;
import dev.codexbridge.approval.CommandRules;
import dev.codexbridge.approval.CommandStep;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An allow-list of {@code ls} and {@code cat} against the real codex: the scripted model asks to
 * run {@code ls}, {@code cat x}, {@code ls; rm x} and {@code rm x} outside the sandbox
 * ({@code on-request}), so codex asks about each; exactly the first two run, and the file is
 * still there. Also pins what the model is told about a denial on codex 0.169.0: codex's fixed
 * text, never the host's reason (the v2 {@code decline} carries none).
 */
class CommandRulesLiveTest {
    static final String DENIAL_SEEN_BY_THE_MODEL = "exec_command failed: CreateProcess { message: \"Rejected(\\\"rejected by user\\\")\" }";

    @TempDir
    Path tmp;

    @Test
    void theAllowListRunsExactlyTheSimpleCommandsItNamesAndTheModelSeesCodexsOwnWordsForTheRest() throws Exception {
        WireSchema.Recorder wire = new WireSchema.Recorder();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path work = Files.createDirectories(tmp.resolve("work"));
            Files.writeString(work.resolve("x"), "the contents of x\n");
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).askForApproval("on-request").write();
            Map<String, String> commands = new LinkedHashMap<>();
            commands.put("c-ls", "ls");
            commands.put("c-cat", "cat x");
            commands.put("c-list", "ls; rm x");
            commands.put("c-rm", "rm x");
            commands.forEach((id, cmd) -> model.enqueue(ModelReply.builder().execCommandEscalated(id, cmd, "to look around").build()));
            model.enqueue(ModelReply.message("done"));

            List<ApprovalRequest> answered = Collections.synchronizedList(new ArrayList<>());
            List<ApprovalChoice> choices = Collections.synchronizedList(new ArrayList<>());
            List<String> notes = Collections.synchronizedList(new ArrayList<>());
            TurnListener listener = new TurnListener() {
                @Override
                public void onApprovalAnswered(ApprovalRequest request, ApprovalDecision decision) {
                    answered.add(request);
                    choices.add(decision.choice());
                    notes.add(decision.note());
                }
            };
            ApprovalPolicy approvals = ApprovalPolicy.builder().commandRules(CommandRules.allowing("ls", "cat")).build();
            TurnResult r;
            try (CodexSession s = CodexSession.builder()
                    .connection(CodexClient.builder().process(CodexLaunch.appServer(LiveCodex.binary()).codexHome(home).build())
                            .wireTap(wire).options())
                    .cwd(work).limits(TurnLimits.of(Duration.ofSeconds(180), Duration.ZERO))
                    .approvals(approvals).build()) {
                r = s.runTurn(TurnInput.text("look around"), TurnOptions.DEFAULTS, listener);
            }
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);

            assertThat(answered).extracting(ApprovalRequest::command).containsExactly(
                    "/bin/bash -c ls", "/bin/bash -c 'cat x'", "/bin/bash -c 'ls; rm x'", "/bin/bash -c 'rm x'");
            assertThat(answered).extracting(a -> a.argv().orElse(null))
                    .containsExactly(List.of("ls"), List.of("cat", "x"), null, List.of("rm", "x"));
            assertThat(answered).extracting(a -> a.commandSteps().get(0).kind()).containsExactly(
                    CommandStep.Kind.LIST_FILES, CommandStep.Kind.READ, CommandStep.Kind.UNKNOWN, CommandStep.Kind.UNKNOWN);
            assertThat(choices).containsExactly(ApprovalChoice.ONCE, ApprovalChoice.ONCE, ApprovalChoice.DENY, ApprovalChoice.DENY);
            assertThat(notes.get(2)).isEqualTo("command rules: not one simple command: a list of commands (;)");
            assertThat(notes.get(3)).isEqualTo("command rules: the program rm is not allowed (allowed: cat, ls)");

            assertThat(work.resolve("x")).as("neither denied command ran").hasContent("the contents of x");
            Map<String, String> seen = new LinkedHashMap<>();
            for (RecordedRequest req : model.responsesRequests()) {
                commands.keySet().forEach(id -> req.functionCallOutput(id).ifPresent(out -> seen.put(id, out)));
            }
            assertThat(seen.get("c-ls")).contains("x");
            assertThat(seen.get("c-cat")).contains("the contents of x");
            // what the model is told of a denial: codex's fixed words; the host's note goes nowhere
            assertThat(seen.get("c-list")).isEqualTo(DENIAL_SEEN_BY_THE_MODEL);
            assertThat(seen.get("c-rm")).isEqualTo(DENIAL_SEEN_BY_THE_MODEL);
            assertThat(model.responsesRequests()).noneMatch(req -> req.body().toString().contains("command rules"));
            // codex's stderr says "Unknown model gpt-… is used" (docs/testing.md); the turns still ask for the configured one
            assertThat(model.responsesRequests()).extracting(req -> req.body().path("model").asText())
                    .containsOnly(IsolatedCodexHome.MODEL);
        }
        assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent matches the schema").isEmpty();
    }
}
