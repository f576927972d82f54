package dev.codexbridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code codex-bridge a2a} in a JVM of its own, as the live tests start it, speak to it and stop it. */
public final class A2aCommandProcess {
    private static final Pattern LISTENING = Pattern.compile("A2A agent at (http://\\S+/) ");

    private A2aCommandProcess() {
    }

    /** The line the command prints on stderr once it listens, and the address it names. */
    public record Listening(URI uri, String line) {
    }

    /** Starts {@code codex-bridge a2a args...} on this test run's class path (stdout discarded). */
    public static Process start(List<String> args) throws Exception {
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(),
                "-Dcodexbridge.codexDir=" + System.getProperty("codexbridge.codexDir"), "dev.codexbridge.cli.Main", "a2a"));
        command.addAll(args);
        return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Waits for the command to listen; its stderr is drained afterwards, so it never blocks on a full pipe. */
    public static Listening listening(Process p) throws Exception {
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        for (String line; (line = err.readLine()) != null; ) {
            lines.add(line);
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        err.lines().forEach(l -> { });
                    } catch (UncheckedIOException ended) {
                        // the process ended
                    }
                }, "a2a-command-stderr");
                drain.setDaemon(true);
                drain.start();
                return new Listening(URI.create(m.group(1)), line);
            }
        }
        throw new AssertionError("the command did not start:\n" + String.join("\n", lines));
    }

    /**
     * Every line {@code codex-bridge a2a} as {@code pb} starts it writes on stderr, from its start
     * through the line it listens with and, after a SIGTERM that leaves the stream open, to its end.
     */
    public static List<String> stderrUntilStopped(ProcessBuilder pb) throws Exception {
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = err.readLine()) != null) {
                lines.add(line);
                if (line.contains("A2A agent at")) {
                    break;
                }
            }
            assertThat(line).as("the server started: %s", String.join("\n", lines)).isNotNull();
            p.toHandle().destroy();   // SIGTERM, the stream left open (Process.destroy closes it): the stop's lines too
            while ((line = err.readLine()) != null) {
                lines.add(line);
            }
        } finally {
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the command stops on SIGTERM").isTrue();
        }
        return lines;
    }

    /** SIGTERM, then waits for the command to end. */
    public static void stop(Process p) throws Exception {
        p.destroy();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the command stops on SIGTERM").isTrue();
    }

    /** A JSON-RPC call as {@code token}'s caller; its result (an error answer fails the test). */
    public static JsonNode rpc(HttpClient http, URI uri, String token, String method, String params) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = Json.parse(r.body());
        assertThat(json.has("error")).as(r.body()).isFalse();
        return json.path("result");
    }
}
