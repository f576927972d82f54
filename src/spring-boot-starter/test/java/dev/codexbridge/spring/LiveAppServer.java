package dev.codexbridge.spring;

import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexProcess;
import dev.codexbridge.transport.CodexEndpoint;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * (As modules/tests' ListeningAppServer, which this module cannot see.) A real {@code codex app-server --listen ws://127.0.0.1:0} (or {@code unix://PATH}) for live
 * tests: started in its own process, its port read from the banner codex prints on stderr, ready
 * once {@code /readyz} (or the unix upgrade) answers. Closing stops it.
 */
final class LiveAppServer implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on: (ws://[0-9.]+:\\d+)");
    private static final Duration START = Duration.ofSeconds(60);

    private final CodexProcess process;
    private final CodexEndpoint endpoint;

    private LiveAppServer(CodexProcess process, CodexEndpoint endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    /** A WebSocket listener on a free loopback port; {@code authArgs} such as {@code --ws-auth …}. */
    public static LiveAppServer websocket(Path codexHome, Path work, List<String> authArgs) {
        List<String> args = new ArrayList<>(List.of("--listen", "ws://127.0.0.1:0"));
        args.addAll(authArgs);
        CodexProcess p = CodexProcess.start(launch(codexHome, work, args, "codex-ws"));
        try {
            long deadline = System.nanoTime() + START.toNanos();
            URI uri = null;
            while (uri == null) {
                for (String line : p.stderrTail(400)) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        uri = URI.create(m.group(1));
                    }
                }
                if (uri == null) {
                    check(p, deadline, "print its WebSocket address");
                    sleep();
                }
            }
            CodexEndpoint ep = CodexEndpoint.websocket(uri);
            awaitReady(p, ep, deadline);
            return new LiveAppServer(p, ep);
        } catch (RuntimeException | Error e) {
            p.close();
            throw e;
        }
    }

    /** A unix-socket listener at {@code socket}. */
    public static LiveAppServer unix(Path codexHome, Path work, Path socket) {
        CodexProcess p = CodexProcess.start(launch(codexHome, work, List.of("--listen", "unix://" + socket), "codex-unix"));
        try {
            long deadline = System.nanoTime() + START.toNanos();
            while (!Files.exists(socket)) {
                check(p, deadline, "create " + socket);
                sleep();
            }
            CodexEndpoint ep = CodexEndpoint.unixSocket(socket);
            awaitReady(p, ep, deadline);
            return new LiveAppServer(p, ep);
        } catch (RuntimeException | Error e) {
            p.close();
            throw e;
        }
    }

    private static CodexLaunch launch(Path codexHome, Path work, List<String> args, String name) {
        return CodexLaunch.appServer(OfflineCodex.binary()).arguments(args).codexHome(codexHome).workingDirectory(work)
                .name(name).stderrLines(2000).build();
    }

    private static void awaitReady(CodexProcess p, CodexEndpoint ep, long deadline) {
        while (!ep.readiness(Duration.ofSeconds(2)).ok()) {
            check(p, deadline, "become ready");
            sleep();
        }
    }

    private static void check(CodexProcess p, long deadline, String what) {
        if (!p.isAlive()) {
            throw new AssertionError("codex app-server exited before it could " + what + ": " + p.stderrTail(30));
        }
        if (System.nanoTime() > deadline) {
            throw new AssertionError("codex app-server did not " + what + " within " + START + ": " + p.stderrTail(30));
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The endpoint, without credentials. */
    public CodexEndpoint endpoint() {
        return endpoint;
    }

    public URI uri() {
        return endpoint.uri();
    }

    public CodexProcess process() {
        return process;
    }

    /** Everything codex wrote to stderr so far (as kept by the process's tail). */
    public List<String> stderr() {
        return process.stderrTail(2000);
    }

    /** Kills codex at once (SIGKILL), as a crashed node would go. */
    public void kill() {
        ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
        try {
            process.exitFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("codex did not die", e);
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
