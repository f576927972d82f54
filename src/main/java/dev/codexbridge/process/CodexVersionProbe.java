package dev.codexbridge.process;

import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs {@code codex --version} (stdin closed, bounded output, a deadline) and gates the result
 * against {@link CodexVersion#MINIMUM_SUPPORTED}.
 */
public final class CodexVersionProbe {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_OUTPUT = 64 * 1024;

    private CodexVersionProbe() {
    }

    /** The binary's version; any failure is a {@link CodexProcessException} saying what happened. */
    public static CodexVersion probe(Path binary, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(List.of(binary.toString(), "--version"));
        pb.redirectErrorStream(true);
        pb.environment().putIfAbsent("RUST_LOG", "warn");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new CodexNotFoundException("cannot run " + binary + " --version: " + e.getMessage());
        }
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // stdin is only closed so codex cannot wait on it
        }
        // a blocking read until codex exits or is killed at the deadline: on the waits pool
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readBounded(p.getInputStream()),
                RpcThreads.waits());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new CodexProcessException(binary + " --version timed out after " + timeout.toMillis() + " ms");
            }
            String text = output.get(2, TimeUnit.SECONDS).strip();
            if (p.exitValue() != 0) {
                throw new CodexProcessException(binary + " --version exited " + p.exitValue() + ":"
                        + UntrustedText.indentedLines(text));
            }
            return CodexVersion.parse(text).orElseThrow(() -> new CodexProcessException(
                    "could not parse a codex version from:" + UntrustedText.indentedLines(text)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new CodexProcessException("interrupted while probing " + binary, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new CodexProcessException("could not read " + binary + " --version output", e);
        }
    }

    /** Probes and rejects versions older than the minimum this library supports. */
    public static CodexVersion requireSupported(Path binary, Duration timeout) {
        CodexVersion v = probe(binary, timeout);
        if (!v.isAtLeast(CodexVersion.MINIMUM_SUPPORTED)) {
            throw new CodexProcessException("codex " + v + " at " + binary + " is older than the minimum supported "
                    + CodexVersion.MINIMUM_SUPPORTED + "; install " + CodexVersion.PINNED
                    + " (`npm install -g @openai/codex@" + CodexVersion.PINNED + "`)");
        }
        return v;
    }

    private static String readBounded(InputStream in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (out.size() < MAX_OUTPUT) {
                    out.write(buf, 0, Math.min(n, MAX_OUTPUT - out.size()));
                }
            }
        } catch (IOException ignored) {
            // process killed mid-read: what we have is all there is
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
