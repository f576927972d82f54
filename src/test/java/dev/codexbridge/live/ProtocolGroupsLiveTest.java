package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.rpc.WireTap;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.ProtocolFixtures;
import dev.codexbridge.support.ProtocolGroups;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.EchoMcpServer;
import dev.codexbridge.testkit.FixtureNormalizer;
import dev.codexbridge.testkit.FixtureRecorder;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per protocol group against the real pinned codex (scripted model server, isolated
 * home, temp folders): the typed {@code CodexApi} methods of {@link CodexClient}, driven by
 * {@link ProtocolGroups}, every sent message validated against the pinned schema. Each run is
 * recorded; with {@code -Dcodexbridge.recordProtocol=true} the recordings replace
 * {@code fixtures/protocol/<group>.jsonl}, otherwise the test checks that the client still sends
 * what the committed fixture says (so {@code ProtocolFixtureReplayTest} replays current traffic).
 *
 * <p>Turns themselves (turn/start, turn/steer, turn/interrupt) are covered by
 * {@code CodexSessionLiveTest} and the session fixtures.
 */
class ProtocolGroupsLiveTest {
    private static final boolean RECORD = Boolean.getBoolean("codexbridge.recordProtocol");
    /** Fixed git dates, so the review's commit (and so the recording) is the same every run. */
    private static final Map<String, String> GIT_DATES = Map.of(
            "GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z");

    @TempDir
    Path tmp;

    private interface Setup {
        void prepare(ScriptedModelServer model, ProtocolGroups.Env env) throws Exception;
    }

    private void run(String group, Consumer<IsolatedCodexHome.Builder> home, Setup setup) throws Exception {
        Path codex = LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path repo = Files.createDirectories(tmp.resolve("repo"));
            Path tree = Files.createDirectories(tmp.resolve("tree"));
            IsolatedCodexHome.Builder h = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl());
            home.accept(h);
            Path codexHome = h.write();
            ProtocolGroups.Env env = new ProtocolGroups.Env(work.toString(), codexHome.toString(), repo.toString(), tree.toString());
            setup.prepare(model, env);

            WireSchema.Recorder wire = new WireSchema.Recorder();
            FixtureRecorder recorder = new FixtureRecorder();
            try (CodexClient client = CodexClient.builder()
                    .process(CodexLaunch.appServer(codex).codexHome(codexHome).workingDirectory(work).build())
                    .wireTap(both(wire, recorder.tapFor(0)))
                    .requestTimeout(Duration.ofSeconds(60))
                    .connect()) {
                ProtocolGroups.group(group).driver().run(client, env);
            }
            assertThat(wire.sent()).isNotEmpty();
            assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent in %s matches the schema", group).isEmpty();
            assertThat(model.unscriptedRequests()).as("model requests nobody scripted").isZero();

            FixtureNormalizer normalizer = new FixtureNormalizer()
                    .path(work.toString(), ProtocolGroups.Env.PLACEHOLDERS.work())
                    .path(codexHome.toString(), ProtocolGroups.Env.PLACEHOLDERS.home())
                    .path(repo.toString(), ProtocolGroups.Env.PLACEHOLDERS.repo())
                    .path(tree.toString(), ProtocolGroups.Env.PLACEHOLDERS.tree())
                    .path(tmp.toString(), "/tmp")
                    .path(model.baseUrl().toString().replaceAll("/+$", ""), "http://model-server")
                    .path(System.getProperty("java.class.path"), "<classpath>")
                    .path(System.getProperty("java.home"), "<java-home>")
                    .replace("sha256:[0-9a-f]{64}", "sha256:<hash>")
                    .replace("\\d{4}-\\d{2}-\\d{2}T\\d{2}[:-]\\d{2}[:-]\\d{2}(\\.\\d+)?Z?", "<time>")
                    .objectKeys()
                    .sortKeys();
            Path recorded = RECORD ? ProtocolFixtures.file(group) : tmp.resolve(group + ".jsonl");
            recorder.write(recorded, group, CodexVersion.PINNED.toString(),
                    Json.object().put("description", ProtocolGroups.group(group).description())
                            .put("recordedWith", "ProtocolGroupsLiveTest (re-record: -Dcodexbridge.recordProtocol=true)"),
                    normalizer);
            if (!RECORD) {
                assertThat(ProtocolFixtures.sentMethods(recorded))
                        .as("the client's messages in %s differ from fixtures/protocol/%s.jsonl; re-record with -Dcodexbridge.recordProtocol=true", group, group)
                        .isEqualTo(ProtocolFixtures.sentMethods(ProtocolFixtures.file(group)));
            }
        }
    }

    private static WireTap both(WireTap a, WireTap b) {
        return new WireTap() {
            @Override
            public void outgoing(byte[] line) {
                a.outgoing(line);
                b.outgoing(line);
            }

            @Override
            public void incoming(byte[] buffer, int length) {
                a.incoming(buffer, length);
                b.incoming(buffer, length);
            }
        };
    }

    private static Consumer<IsolatedCodexHome.Builder> defaults() {
        return h -> { };
    }

    private static Setup nothing() {
        return (m, e) -> { };
    }

    @Test
    void threads() throws Exception {
        run("threads", defaults(), (model, env) -> model.enqueue(
                ModelReply.builder("resp-threads-1").message(ProtocolGroups.TURN_REPLY).build(),
                ModelReply.builder("resp-threads-compact").wholeMessage(ProtocolGroups.COMPACT_SUMMARY).build(),
                ModelReply.builder("resp-threads-2").wholeMessage(ProtocolGroups.SECOND_REPLY).build()));
    }

    @Test
    void aNotificationWhileNoTurnRunsReachesTheSubscriber() throws Exception {
        run("idle-notifications", defaults(), nothing());
    }

    @Test
    void models() throws Exception {
        run("models", defaults(), nothing());
    }

    @Test
    void account() throws Exception {
        run("account", defaults(), nothing());
    }

    @Test
    void config() throws Exception {
        run("config", defaults(), nothing());
    }

    @Test
    void mcp() throws Exception {
        run("mcp", h -> h.extraToml(EchoMcpServer.configToml("echo")), nothing());
    }

    @Test
    void skills() throws Exception {
        run("skills", defaults(), (model, env) -> {
            Path skill = Files.createDirectories(Path.of(env.home(), "skills", ProtocolGroups.SKILL_NAME));
            Files.writeString(skill.resolve("SKILL.md"), "---\nname: " + ProtocolGroups.SKILL_NAME
                    + "\ndescription: Greets the user politely.\n---\n\nSay hello, then ask how you can help.\n");
        });
    }

    @Test
    void review() throws Exception {
        run("review", defaults(), (model, env) -> {
            Path repo = Path.of(env.repo());
            git(repo, "init", "-q", "-b", "main");
            git(repo, "config", "user.email", "tests@codex-bridge.dev");
            git(repo, "config", "user.name", "codex-bridge tests");
            git(repo, "config", "commit.gpgsign", "false");
            Files.writeString(repo.resolve("greeting.txt"), "Hello, world!\n");
            git(repo, "add", "greeting.txt");
            git(repo, "commit", "-q", "-m", "Add the greeting");
            Files.writeString(repo.resolve("greeting.txt"), "Hello, world\n");
            String review = Json.write(Json.parse("""
                    {"findings":[{"title":"%s","body":"%s",
                     "confidence_score":0.9,"priority":2,
                     "code_location":{"absolute_file_path":"%s","line_range":{"start":1,"end":1}}}],
                     "overall_correctness":"patch is incorrect","overall_explanation":"%s","overall_confidence_score":0.8}
                    """.formatted(ProtocolGroups.REVIEW_TITLE, ProtocolGroups.REVIEW_BODY, repo.resolve("greeting.txt"), ProtocolGroups.REVIEW_EXPLANATION)));
            model.enqueue(ModelReply.builder("resp-review-1").wholeMessage(review).build());
        });
    }

    @Test
    void commandExec() throws Exception {
        run("command-exec", defaults(), nothing());
    }

    @Test
    void fuzzyFileSearch() throws Exception {
        run("fuzzy-file-search", defaults(), (model, env) -> {
            Path tree = Path.of(env.tree());
            for (String f : List.of("src/main/BridgeClient.java", "src/main/Other.java", "src/test/ClientTest.java", "docs/readme.md")) {
                Path p = tree.resolve(f);
                Files.createDirectories(p.getParent());
                Files.writeString(p, "// " + f + "\n");
            }
        });
    }

    private static void git(Path repo, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(repo.toFile()).redirectErrorStream(true);
        pb.environment().putAll(GIT_DATES);
        pb.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        pb.environment().put("HOME", repo.getParent().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("git %s: %s", String.join(" ", args), out).isZero();
    }
}
