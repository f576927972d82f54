package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The doors' commands stopped by SIGTERM, as a process manager stops them (issue 81): {@code a2a}
 * with calls in flight answers them — a blocking send its completed task, a stream its final
 * event — refuses a message sent meanwhile "send it again" (503) without running it, logs no
 * ERROR or WARN of its own or codex's, and exits 0; {@code mcp --http} and {@code openai} exit 0
 * and log none either.
 */
class DoorStopLiveTest {
    /**
     * Every ERROR or WARN, ours or codex's, fails the test: what codex still sends in the instant its
     * stdin closes is logged at INFO (its harmless notices, docs/deploy "codex's own log lines").
     */
    private static final Pattern LOUD = Pattern.compile("\\] (ERROR|WARN) ");
    @TempDir
    Path tmp;
    private final List<Process> started = new ArrayList<>();
    private ScriptedModelServer model;
    private final Path workspaces = ownerOnly(TestDirs.create("door-stop-workspaces"));
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : started) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (model != null) {
            model.close();
        }
        TestDirs.delete(workspaces);
    }

    @Test
    void a2aAnswersItsCallsInFlightRefusesNewOnesAndExitsZeroQuietly() throws Exception {
        model = ScriptedModelServer.start();
        CountDownLatch bothAsked = new CountDownLatch(2);
        model.respondWhenEmpty(r -> {
            if (r.userTexts().stream().anyMatch(t -> t.contains("slow"))) {
                bothAsked.countDown();
                try {
                    Thread.sleep(3_000);        // the turns still run when the command is told to stop
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return ModelReply.message("answered");
        });
        Path home = IsolatedCodexHome.builder(Files.createDirectories(tmp.resolve("home")), model.baseUrl()).askForApproval("on-request")
                .write();
        Path log = tmp.resolve("a2a.log");
        Process p = start(log, "a2a", "--listen", "127.0.0.1:0", "--anonymous", "alice", "--shared-codex",
                "--codex-home", home.toString(), "--workspace", workspaces.toString());
        URI uri = URI.create(address(log, "A2A agent at (http://\\S+/) "));

        CompletableFuture<HttpResponse<String>> blocking = http.sendAsync(rpc(uri, "message/send", "slow blocking"),
                HttpResponse.BodyHandlers.ofString());
        CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> streamed = http.sendAsync(rpc(uri, "message/stream", "slow streamed"),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(bothAsked.await(60, TimeUnit.SECONDS)).as("both turns reached the model").isTrue();

        p.destroy();        // SIGTERM
        awaitStopping(uri);
        HttpResponse<String> late = http.send(rpc(uri, "message/send", "late"), HttpResponse.BodyHandlers.ofString());
        assertThat(late.statusCode()).as(late.body()).isEqualTo(503);
        assertThat(late.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(Json.parse(late.body()).at("/error/message").asText()).contains("stopping: nothing was run; send it again");

        HttpResponse<String> answered = blocking.get(60, TimeUnit.SECONDS);
        assertThat(Json.parse(answered.body()).at("/result/status/state").asText()).as(answered.body()).isEqualTo("completed");
        List<JsonNode> events = streamed.get(60, TimeUnit.SECONDS).body().filter(l -> l.startsWith("data: "))
                .map(l -> Json.parse(l.substring(6))).toList();
        JsonNode end = events.get(events.size() - 1).path("result");
        assertThat(end.path("final").asBoolean()).as("the stream's last event: %s", end).isTrue();
        assertThat(end.at("/status/state").asText()).isEqualTo("completed");

        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the command stops").isTrue();
        String said = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(said).isZero();
        assertThat(said.lines().filter(DoorStopLiveTest::loud)).as("ERROR and WARN lines at a clean stop").isEmpty();
        assertThat(model.requests().stream().flatMap(r -> r.userTexts().stream()))
                .anyMatch(t -> t.contains("slow blocking")).anyMatch(t -> t.contains("slow streamed")).noneMatch(t -> t.contains("late"));
    }

    @Test
    void mcpOverHttpAndOpenAiExitZeroQuietlyOnSigterm() throws Exception {
        for (List<String> door : List.of(List.of("MCP server \\(Streamable HTTP\\) at (http://\\S+) ", "mcp", "--http", "127.0.0.1:0"),
                List.of("OpenAI API at (http://\\S+) ", "openai", "--listen", "127.0.0.1:0"))) {
            Path log = tmp.resolve(door.get(1) + ".log");
            List<String> args = new ArrayList<>(door.subList(1, door.size()));
            args.addAll(List.of("--offline-demo", "--anonymous", "alice", "--workspace", workspaces.toString()));
            Process p = start(log, args.toArray(String[]::new));
            address(log, door.get(0));
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s stops", door.get(1)).isTrue();
            String said = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(said).isZero();
            assertThat(said.lines().filter(DoorStopLiveTest::loud)).as("%s: ERROR and WARN lines at a clean stop", door.get(1)).isEmpty();
        }
    }

    private static boolean loud(String line) {
        return LOUD.matcher(line).find();
    }

    /** A tenants' workspaces root as it should be (mode 700): a wider one is warned about at start. */
    private static Path ownerOnly(Path dir) {
        try {
            return Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The CLI in a JVM of its own, its stderr into {@code log}. */
    private Process start(Path log, String... args) throws Exception {
        LiveCodex.binary();
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(),
                "-Dcodexbridge.codexDir=" + System.getProperty("codexbridge.codexDir"), "dev.codexbridge.cli.Main"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile()).start();
        started.add(p);
        return p;
    }

    /** The address the command said it listens at, once it said so. */
    private static String address(Path log, String listening) throws Exception {
        Pattern at = Pattern.compile(listening);
        for (int i = 0; i < 6000; i++) {
            Matcher m = at.matcher(Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "");
            if (m.find()) {
                return m.group(1);
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the command never said it listens: " + Files.readString(log, StandardCharsets.UTF_8));
    }

    /** Waits until the probe says the server stops: from then on no task starts. */
    private void awaitStopping(URI uri) throws Exception {
        for (int i = 0; i < 6000; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri.resolve("/readyz")).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 503 && r.body().contains("stopping")) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the server never said it stops");
    }

    private static HttpRequest rpc(URI uri, String method, String text) {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":{\"message\":{\"role\":\"user\",\"messageId\":\""
                + java.util.UUID.randomUUID() + "\",\"parts\":[{\"kind\":\"text\",\"text\":\"" + text + "\"}]}}}";
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (method.equals("message/stream")) {
            b.header("Accept", "text/event-stream");
        }
        return b.build();
    }
}
