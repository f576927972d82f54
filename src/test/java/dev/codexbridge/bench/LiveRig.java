package dev.codexbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import dev.codexbridge.session.TurnLimits;

/**
 * The real pinned codex against the scripted model server, for benchmarks with many sessions and
 * concurrent turns. The model answers from the request itself (a queue would hand one turn's reply
 * to another): a prompt {@code bench: sleep N} gets an {@code exec_command} of {@code sleep N}, and
 * once its output is back, a short message; any other {@code bench:} prompt gets the message at
 * once. So a turn's length is set by a process in codex's tree, not by a thread in this JVM.
 */
final class LiveRig implements AutoCloseable {
    static final Duration TURN_TIMEOUT = Duration.ofMinutes(5);
    private static final Pattern SLEEP = Pattern.compile("bench: sleep (\\d+(?:\\.\\d+)?)");
    private static final AtomicLong CALLS = new AtomicLong();
    /** Model requests answered so far. */
    static final AtomicLong MODEL_REQUESTS = new AtomicLong();

    final Path binary;
    final Path tmp;
    final Path work;
    final Path home;
    final ScriptedModelServer model;

    LiveRig() throws IOException {
        binary = new CodexLocator().locate(null).binary();
        tmp = Files.createTempDirectory("codex-bridge-density-");
        work = Files.createDirectories(tmp.resolve("work"));
        model = ScriptedModelServer.start().recording(false).respondWhenEmpty(LiveRig::reply);
        // full access: the sleep runs as a plain child of codex, whatever sandbox the machine offers
        home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).sandboxMode("danger-full-access").write();
    }

    /** One shared connection: a codex process of its own, handshake done. */
    CodexClient connect(String name) {
        return CodexClient.builder()
                .process(CodexLaunch.appServer(binary).codexHome(home).workingDirectory(work).name(name)
                        .detachFromTerminal(true).build())
                .requestTimeout(Duration.ofSeconds(120))
                .connect();
    }

    /** A session on a shared connection (start() sends thread/start on it). */
    CodexSession.Builder shared(CodexClient client) {
        // the client's own deadline (120 s, connect above) applies to the session's requests
        return CodexSession.builder().client(client).cwd(work).limits(TurnLimits.of(TURN_TIMEOUT, Duration.ZERO));
    }

    /** A session that owns its codex process (start() spawns it, initializes, sends thread/start). */
    CodexSession.Builder ownProcess() {
        return CodexSession.builder().connection(CodexClient.builder().process(CodexLaunch.appServer(binary).codexHome(home).build()).requestTimeout(Duration.ofSeconds(120)).options()).cwd(work).limits(TurnLimits.of(TURN_TIMEOUT, Duration.ZERO));
    }

    static ModelReply reply(RecordedRequest request) {
        MODEL_REQUESTS.incrementAndGet();
        List<JsonNode> items = request.inputItems();
        int prompt = -1;
        String text = "";
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            if ("user".equals(item.path("role").asText())) {
                for (JsonNode part : item.path("content")) {
                    String t = part.path("text").asText("");
                    if (t.startsWith("bench: ")) {
                        prompt = i;
                        text = t;
                    }
                }
            }
        }
        for (int i = prompt + 1; i < items.size(); i++) {
            if ("function_call_output".equals(items.get(i).path("type").asText())) {
                return ModelReply.builder().message("slept").build();
            }
        }
        Matcher m = SLEEP.matcher(text);
        if (m.find()) {
            return ModelReply.builder().execCommand("bench-call-" + CALLS.incrementAndGet(), "sleep " + m.group(1)).build();
        }
        return ModelReply.builder().message("ok").build();
    }

    /** Processes below this JVM still alive (codex, its shells). */
    static List<ProcessHandle> children() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
    }

    /**
     * Waits for every child to end, then kills what is left (only this JVM's own descendants) and
     * says how many it had to kill.
     */
    static int reapChildren(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!children().isEmpty() && System.nanoTime() < deadline) {
            sleep(100);
        }
        List<ProcessHandle> left = children();
        left.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : left) {
            try {
                p.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // reported below by the caller's count
            }
        }
        return left.size();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        model.close();
        try (Stream<Path> walk = Files.walk(tmp)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind
        }
    }
}
