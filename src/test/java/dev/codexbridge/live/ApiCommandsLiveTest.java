package dev.codexbridge.live;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ThreadStartParams;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `threads`, `models` and `account` against the real codex in an offline home with the scripted model. */
class ApiCommandsLiveTest {
    private static final String ESC = "\u001b";

    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path work;
    private String home;

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        work = Files.createDirectories(tmp.resolve("work"));
        home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write().toString();
    }

    @AfterEach
    void tearDown() {
        if (model != null) { // null when the live tests are skipped before setUp got that far
            model.close();
        }
    }

    /** A thread with one completed turn, created through `run`; its id. */
    private String threadWithATurn(String prompt, String answer) {
        model.enqueue(ModelReply.message(answer));
        String[] r = run("run", prompt, "--codex-home", home, "--cwd", work.toString(), "--json");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        return Json.parse(r[1].strip()).path("threadId").asText();
    }

    private String[] cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--codex-home");
        all.add(home);
        return run(all.toArray(String[]::new));
    }

    private static List<String> ids(String listJson) {
        List<String> ids = new ArrayList<>();
        Json.parse(listJson.strip()).path("data").forEach(t -> ids.add(t.path("id").asText()));
        return ids;
    }

    @Test
    void listReadForkArchiveUnarchive() {
        // codex lists only threads with a rollout: a thread started without a turn never shows
        String empty;
        try (CodexClient c = CodexClient.builder().process(CodexLaunch.appServer(LiveCodex.binary()).codexHome(Path.of(home))
                .workingDirectory(work).name("codex-cli").build()).requestTimeout(Duration.ofSeconds(30)).connect()) {
            empty = c.threadStart(ThreadStartParams.builder().cwd(work.toString()).build()).thread().id();
        }
        String[] none = cli("threads", "list");
        assertThat(none[0]).as(none[2]).isEqualTo("0");
        assertThat(none[1]).isEmpty();
        String[] readEmpty = cli("threads", "read", empty); // nor can another app-server read it
        assertThat(readEmpty[0]).isEqualTo("1");
        assertThat(readEmpty[2]).contains("thread not loaded: " + empty);

        String first = threadWithATurn("first question", "First answer.");
        String second = threadWithATurn("say \u0007hello " + ESC + "]0;title\u0007", "Hello " + ESC + "[31mred" + ESC + "[0m.");

        String[] list = cli("threads", "list");
        assertThat(list[0]).as(list[2]).isEqualTo("0");
        assertThat(list[1].lines()).hasSize(2);
        assertThat(list[1].lines().findFirst().orElseThrow()) // newest first; the preview is the first prompt, escaped
                .matches(second + "  \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ  say \\\\u0007hello \\\\u001b\\]0;title\\\\u0007");
        assertThat(list[1]).contains(first + "  ").contains("first question").doesNotContain(ESC).doesNotContain("\u0007")
                .doesNotContain(empty);
        assertThat(list[2]).doesNotContain("more threads").doesNotContain("codex-bridge threads");

        String[] listJson = cli("threads", "list", "--json");
        assertThat(ids(listJson[1])).containsExactly(second, first);
        JsonNode newest = Json.parse(listJson[1].strip()).path("data").get(0);
        assertThat(newest.path("preview").asText()).isEqualTo("say \u0007hello " + ESC + "]0;title\u0007"); // exact in JSON
        assertThat(newest.path("cwd").asText()).isEqualTo(work.toString());
        assertThat(newest.path("modelProvider").asText()).isEqualTo(IsolatedCodexHome.PROVIDER);

        String[] page = cli("threads", "list", "--limit", "1");
        assertThat(page[1].lines()).hasSize(1);
        String more = page[2].lines().filter(l -> l.startsWith("more threads: --cursor ")).findFirst().orElseThrow();
        String cursor = more.substring("more threads: --cursor ".length());
        assertThat(cli("threads", "list", "--limit", "1", "--cursor", cursor)[1]).startsWith(first);
        assertThat(cli("threads", "list", "--cwd", work.toString())[1].lines()).hasSize(2);
        assertThat(cli("threads", "list", "--cwd", tmp.toString())[1]).isEmpty();

        String[] read = cli("threads", "read", second);
        assertThat(read[0]).as(read[2]).isEqualTo("0");
        assertThat(read[1]).contains("thread: " + second + "\n").contains("name: -\n").contains("cwd: " + work.toString() + "\n")
                .contains("status: notLoaded\n").contains("turns: 1\n").containsPattern("last turn: \\S+ completed\n")
                .doesNotContain("  userMessage");
        String[] turns = cli("threads", "read", second, "--turns");
        assertThat(turns[1]).containsPattern("turn \\S+ completed, started \\S+, \\d+ ms\n")
                .contains("  userMessage: say \\u0007hello \\u001b]0;title\\u0007\n")
                .contains("  agentMessage: Hello \\u001b[31mred\\u001b[0m.\n")
                .doesNotContain(ESC);
        JsonNode readJson = Json.parse(cli("threads", "read", second, "--json")[1].strip()).path("thread");
        assertThat(readJson.path("id").asText()).isEqualTo(second);
        assertThat(readJson.path("turns")).hasSize(1);
        JsonNode items = readJson.path("turns").get(0).path("items");
        assertThat(items.get(1).path("type").asText()).isEqualTo("agentMessage");
        assertThat(items.get(1).path("text").asText()).isEqualTo("Hello " + ESC + "[31mred" + ESC + "[0m.");

        String[] fork = cli("threads", "fork", first);
        assertThat(fork[0]).as(fork[2]).isEqualTo("0");
        String forked = fork[1].strip();
        assertThat(forked).matches("[0-9a-f-]{36}").isNotIn(first, second);
        assertThat(ids(cli("threads", "list", "--json")[1])).containsExactlyInAnyOrder(forked, second, first);
        assertThat(cli("threads", "read", forked)[1]).contains("forked from: " + first + "\n").contains("turns: 1\n");
        JsonNode forkJson = Json.parse(cli("threads", "fork", second, "--json")[1].strip());
        assertThat(forkJson.path("thread").path("forkedFromId").asText()).isEqualTo(second);
        assertThat(forkJson.path("thread").path("id").asText()).isNotIn(first, second, forked);

        String[] archive = cli("threads", "archive", first);
        assertThat(archive[0]).as(archive[2]).isEqualTo("0");
        assertThat(archive[1]).isEqualTo("archived " + first + "\n");
        assertThat(ids(cli("threads", "list", "--json")[1])).doesNotContain(first).contains(forked, second);
        assertThat(cli("threads", "list", "--archived")[1].lines()).singleElement().asString().startsWith(first + "  ");
        assertThat(ids(cli("threads", "list", "--archived", "--json")[1])).containsExactly(first);
        assertThat(Json.parse(cli("threads", "archive", second, "--json")[1].strip()).isObject()).isTrue();

        String[] unarchive = cli("threads", "unarchive", first, "--json");
        assertThat(unarchive[0]).as(unarchive[2]).isEqualTo("0");
        assertThat(Json.parse(unarchive[1].strip()).path("thread").path("id").asText()).isEqualTo(first);
        assertThat(cli("threads", "unarchive", second)[1]).isEqualTo("unarchived " + second + "\n");
        assertThat(cli("threads", "list", "--archived")[1]).isEmpty();
        assertThat(ids(cli("threads", "list", "--json")[1])).contains(first, second, forked);
    }

    @Test
    void errorsGoToStderrWithExitOneAndUsageErrorsExitTwo() {
        String[] bad = cli("threads", "read", "not-a-thread");
        assertThat(bad[0]).isEqualTo("1");
        assertThat(bad[1]).isEmpty();
        assertThat(bad[2]).contains("codex-bridge threads read: thread/read failed: invalid thread id").contains("(code -32600)");
        String[] unknown = cli("threads", "archive", "01a2025b-0000-7000-8000-000000000000");
        assertThat(unknown[0]).isEqualTo("1");
        assertThat(unknown[1]).isEmpty();
        assertThat(unknown[2]).contains("codex-bridge threads archive: thread/archive failed: ");

        assertThat(cli("threads", "list", "--limit", "0")[0]).isEqualTo("2");
        assertThat(cli("threads", "read")[0]).isEqualTo("2");
        assertThat(cli("threads", "list", "--bogus")[0]).isEqualTo("2");
        assertThat(cli("models", "--timeout", "0")[0]).isEqualTo("2");

        String[] noCodex = run("account", "--codex-bin", tmp.resolve("nope").toString(), "--codex-home", home);
        assertThat(noCodex[0]).isEqualTo("1");
        assertThat(noCodex[1]).isEmpty();
        assertThat(noCodex[2]).contains("does not exist or is not executable");
    }

    @Test
    void modelsOfflineAreTheScriptedProvidersCatalogue() {
        String[] json = cli("models", "--json");
        assertThat(json[0]).as(json[2]).isEqualTo("0");
        JsonNode data = Json.parse(json[1].strip()).path("data");
        // the scripted provider serves a catalogue (the mock model's metadata), and a provider's
        // catalogue replaces the one codex ships: the mock model alone, and the default
        assertThat(data.size()).as(json[1]).isOne();
        assertThat(data.get(0).path("id").asText()).isEqualTo(IsolatedCodexHome.MODEL);
        assertThat(data.get(0).path("isDefault").asBoolean()).isTrue();
        assertThat(data.get(0).path("hidden").asBoolean()).isFalse();

        String[] text = cli("models");
        assertThat(text[0]).as(text[2]).isEqualTo("0");
        assertThat(text[1].lines()).containsExactly("* " + IsolatedCodexHome.MODEL + "  " + data.get(0).path("displayName").asText());

        JsonNode all = Json.parse(cli("models", "--all", "--json")[1].strip()).path("data");
        assertThat(all).hasSize(1);
    }

    @Test
    void accountOfflineIsNotSignedInAndRateLimitsAreUnavailable() {
        String[] text = cli("account");
        assertThat(text[0]).as(text[2]).isEqualTo("0");
        // the scripted provider is not OpenAI's, so codex needs no OpenAI sign-in
        assertThat(text[1]).isEqualTo("account: not signed in\nrequires OpenAI auth: no\nrate limits: unavailable (not signed in)\n");
        // not isEmpty(): other tests' instrumentation may log to this JVM's stderr
        assertThat(text[2]).doesNotContain("codex-bridge account");

        String[] json = cli("account", "--json");
        assertThat(json[0]).as(json[2]).isEqualTo("0");
        JsonNode r = Json.parse(json[1].strip());
        assertThat(r.path("account").has("account")).isFalse();
        assertThat(r.path("account").path("requiresOpenaiAuth").asBoolean(true)).isFalse();
        assertThat(r.path("rateLimits").isNull()).isTrue();
        assertThat(r.path("rateLimitsError").path("code").asInt()).isEqualTo(-32600);
        assertThat(r.path("rateLimitsError").path("message").asText()).contains("authentication required");
    }
}
