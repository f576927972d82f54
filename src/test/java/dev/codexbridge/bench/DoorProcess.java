package dev.codexbridge.bench;

import dev.codexbridge.process.CodexLocator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A door of the CLI ({@code codex-bridge mcp --http …}, {@code codex-bridge a2a …}) as its own
 * process, on this JVM's class path and codex, for the benches that move conversations between
 * replicas: started, its address read from the line it logs once it listens, its standard error
 * drained from then on (kept, {@link #log}, for a round to be explained).
 */
final class DoorProcess implements AutoCloseable {
    /** The line {@code codex-bridge mcp --http} logs once it listens; group 1 the address. */
    static final Pattern MCP_AT = Pattern.compile("MCP server \\(Streamable HTTP\\) at (http://\\S+?)[,/]? ");
    /** The line {@code codex-bridge a2a} logs once it listens; group 1 the address. */
    static final Pattern A2A_AT = Pattern.compile("A2A agent at (http://\\S+?)/? ");

    private final Process process;
    private final URI uri;
    private final List<String> log;

    private DoorProcess(Process process, URI uri, List<String> log) {
        this.process = process;
        this.uri = uri;
        this.log = log;
    }

    /** {@code codex-bridge ARGS…}, waited for until it logs {@code at}'s line (its address, ending in a slash). */
    static DoorProcess start(List<String> args, Pattern at) throws Exception {
        return start(List.of(), args, at);
    }

    /** As above, the JVM given {@code jvm} options first (a log level, say). */
    static DoorProcess start(List<String> jvm, List<String> args, Pattern at) throws Exception {
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        String codexDir = System.getProperty(CodexLocator.INSTALL_DIR_PROPERTY);
        if (codexDir != null) {
            command.add("-D" + CodexLocator.INSTALL_DIR_PROPERTY + "=" + codexDir);
        }
        command.addAll(jvm);
        command.add("dev.codexbridge.cli.Main");
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        URI uri = null;
        for (String line; uri == null && (line = err.readLine()) != null; ) {
            lines.add(line);
            Matcher m = at.matcher(line);
            if (m.find()) {
                uri = URI.create(m.group(1) + "/");
            }
        }
        if (uri == null) {
            p.destroyForcibly();
            throw new IllegalStateException(args.get(0) + " did not start: " + String.join("\n", lines));
        }
        Thread drain = new Thread(() -> {
            try {
                err.lines().forEach(lines::add);
            } catch (java.io.UncheckedIOException ended) {
                // the process ended
            }
        }, "bench-door-stderr");
        drain.setDaemon(true);
        drain.start();
        return new DoorProcess(p, uri, lines);
    }

    Process process() {
        return process;
    }

    /** Where the door listens, ending in a slash. */
    URI uri() {
        return uri;
    }

    /** What the process logged so far. */
    List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /** Stops it as a deploy does (SIGTERM) and waits for its end. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
