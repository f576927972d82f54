package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.EnvironmentPolicy;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import dev.codexbridge.transcript.TranscriptMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's secrets and the commands the real codex runs: an approved {@code env} prints what
 * codex was given. The host's variables are set through the launch's base environment (a JVM
 * cannot change its own).
 */
class EnvironmentPolicyLiveTest {
    private static final String TOKEN_VALUE = "host-token-5e1f0c";
    private static final String PASSWORD_VALUE = "host-db-pass-93ad";
    private static final String COLLECTOR_VALUE = "collector-credential-4b9e";
    private static final String OPENAI_KEY_VALUE = "openai-key-value-77c2";

    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path work;

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        work = Files.createDirectories(tmp.resolve("work"));
    }

    @AfterEach
    void tearDown() {
        if (model != null) {
            model.close();
        }
    }

    /** What {@code env}, run by codex with approval, printed. */
    private String envSeenByACommand(CodexLaunch.Builder launch) {
        model.enqueue(ModelReply.builder().execCommandEscalated("call-env", "env", "Show the environment").build(),
                ModelReply.message("done"));
        Map<String, String> host = new HashMap<>(System.getenv());
        host.put("HOST_API_TOKEN", TOKEN_VALUE);
        host.put("HOST_DB_PASSWORD", PASSWORD_VALUE);
        host.put("HOST_PLAIN_SETTING", "plain-visible");
        host.put("OPENAI_API_KEY", OPENAI_KEY_VALUE);
        host.put("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer " + COLLECTOR_VALUE);
        host.put("DATABASE_URL", "postgres://app:" + PASSWORD_VALUE + "@db.internal:5432/app");
        host.put("SPRING_DATASOURCE_URL", "jdbc:postgresql://db.internal/app?user=app&password=" + PASSWORD_VALUE);
        host.put("APP_CONNECTION", "jdbc:sqlserver://db.internal;user=app;password=" + PASSWORD_VALUE);
        Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).askForApproval("on-request").write();
        ApprovalPolicy once = ApprovalPolicy.builder()
                .handler(r -> CompletableFuture.completedFuture(new ApprovalDecision(ApprovalChoice.ONCE, null, null)))
                .build();
        CodexLaunch codex = launch.codexHome(home).baseEnvironment(host).build();
        try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().process(codex).options())
                .cwd(work).approvals(once).limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO))
                .build()) {
            TurnResult r = s.runTurn(TurnInput.text("show me the environment"));
            assertThat(r.status()).isEqualTo(TurnOutcome.COMPLETED);
            String out = r.messages().stream().filter(m -> m.role() == TranscriptMessage.Role.TOOL).findFirst()
                    .orElseThrow().content();
            assertThat(out).as("env ran and printed the inherited environment").contains("HOST_PLAIN_SETTING=plain-visible");
            return out;
        }
    }

    /** Neither the host's secrets (withheld from codex) nor codex's own key (kept from its commands) reach a command. */
    @Test
    void aCommandCodexRunsNeverSeesTheHostsSecretsByDefault() {
        String out = envSeenByACommand(CodexLaunch.appServer(LiveCodex.binary()));
        assertThat(out).doesNotContain("HOST_API_TOKEN").doesNotContain(TOKEN_VALUE)
                .doesNotContain("HOST_DB_PASSWORD").doesNotContain(PASSWORD_VALUE)
                .doesNotContain("OTEL_EXPORTER_OTLP_HEADERS").doesNotContain(COLLECTOR_VALUE).doesNotContain("DATABASE_URL")
                .doesNotContain("SPRING_DATASOURCE_URL").doesNotContain("APP_CONNECTION")
                .doesNotContain("OPENAI_API_KEY").doesNotContain(OPENAI_KEY_VALUE);
    }

    /**
     * The documented opt-out: codex (0.169.0) passes its own credential on to its commands when its
     * {@code shell_environment_policy} is left to its config — what every command saw before.
     */
    @Test
    void theOptOutPassesCodexsOwnKeyToItsCommands() {
        String out = envSeenByACommand(CodexLaunch.appServer(LiveCodex.binary()).credentialsToCommands(true));
        assertThat(out).contains("OPENAI_API_KEY=" + OPENAI_KEY_VALUE).doesNotContain(TOKEN_VALUE);
    }

    /** A host that lets codex inherit everything still keeps credential-named variables from the commands, unless it opts out too. */
    @Test
    void inheritAllPassesThemToCodexAndTheOptOutToItsCommands() {
        String kept = envSeenByACommand(CodexLaunch.appServer(LiveCodex.binary()).environmentPolicy(EnvironmentPolicy.inheritAll()));
        assertThat(kept).doesNotContain(TOKEN_VALUE).doesNotContain(OPENAI_KEY_VALUE).contains("HOST_PLAIN_SETTING=plain-visible");
        String all = envSeenByACommand(CodexLaunch.appServer(LiveCodex.binary()).environmentPolicy(EnvironmentPolicy.inheritAll())
                .credentialsToCommands(true));
        assertThat(all).contains("HOST_API_TOKEN=" + TOKEN_VALUE).contains("HOST_DB_PASSWORD=" + PASSWORD_VALUE)
                .contains("OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer " + COLLECTOR_VALUE);
    }
}
