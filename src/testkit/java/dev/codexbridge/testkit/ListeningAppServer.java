package dev.codexbridge.testkit;

import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexProcess;
import dev.codexbridge.transport.CodexEndpoint;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code codex app-server --listen ws://127.0.0.1:0} (or {@code unix://PATH}) for a host's
 * tests of remote connections: started in its own process, its port read from the banner codex
 * prints on stderr, ready once {@code /readyz} (or the unix upgrade) answers. Closing stops it;
 * {@link #kill()} stops it as a crashed node would go. A start that fails throws
 * {@link IllegalStateException} with codex's last stderr lines.
 */
public final class ListeningAppServer implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on: (ws://[0-9.]+:\\d+)");
    private static final Duration START = Duration.ofSeconds(60);

    private final CodexProcess process;
    private final CodexEndpoint endpoint;

    private ListeningAppServer(CodexProcess process, CodexEndpoint endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    /**
     * A WebSocket listener on a free loopback port.
     *
     * @param binary the codex executable
     * @param codexHome its {@code CODEX_HOME}
     * @param work its working directory
     * @param authArgs extra arguments such as {@code --ws-auth …}
     * @return the started, ready app-server
     */
    public static ListeningAppServer websocket(Path binary, Path codexHome, Path work, List<String> authArgs) {
        List<String> args = new ArrayList<>(List.of("--listen", "ws://127.0.0.1:0"));
        args.addAll(authArgs);
        CodexProcess p = CodexProcess.start(launch(binary, codexHome, work, args, "codex-ws"));
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
            return new ListeningAppServer(p, ep);
        } catch (RuntimeException | Error e) {
            p.close();
            throw e;
        }
    }

    /**
     * A unix-socket listener.
     *
     * @param binary the codex executable
     * @param codexHome its {@code CODEX_HOME}
     * @param work its working directory
     * @param socket where the socket is created
     * @return the started, ready app-server
     */
    public static ListeningAppServer unix(Path binary, Path codexHome, Path work, Path socket) {
        CodexProcess p = CodexProcess.start(launch(binary, codexHome, work, List.of("--listen", "unix://" + socket), "codex-unix"));
        try {
            long deadline = System.nanoTime() + START.toNanos();
            while (!Files.exists(socket)) {
                check(p, deadline, "create " + socket);
                sleep();
            }
            CodexEndpoint ep = CodexEndpoint.unixSocket(socket);
            awaitReady(p, ep, deadline);
            return new ListeningAppServer(p, ep);
        } catch (RuntimeException | Error e) {
            p.close();
            throw e;
        }
    }

    private static CodexLaunch launch(Path binary, Path codexHome, Path work, List<String> args, String name) {
        return CodexLaunch.appServer(binary).arguments(args).codexHome(codexHome).workingDirectory(work)
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
            throw new IllegalStateException("codex app-server exited before it could " + what + ": " + p.stderrTail(30));
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("codex app-server did not " + what + " within " + START + ": " + p.stderrTail(30));
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for codex app-server", e);
        }
    }

    /** The endpoint, without credentials. */
    public CodexEndpoint endpoint() {
        return endpoint;
    }

    /** The listening address. */
    public URI uri() {
        return endpoint.uri();
    }

    /** The app-server's process. */
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for codex to die", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("codex did not die within 20 s of SIGKILL", e);
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
