package dev.codexbridge.process;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.rpc.internal.RpcThreads;
import java.io.FilterInputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A codex process and the JSON-RPC peer on its stdio, tied together: when codex exits, every
 * waiter wakes with a {@link CodexProcessException} that carries the exit code and stderr tail
 * (a bad {@code config.toml} makes codex print {@code Error: …} and exit before answering);
 * when the connection dies while codex lives on, codex is shut down.
 */
public final class CodexConnection implements AutoCloseable {
    /** After codex exits, how long the reader may keep draining stdout before it is cut off. */
    private static final Duration DRAIN_AFTER_EXIT = Duration.ofMillis(250);
    /** How long a failed request waits for the exit that explains it. */
    private static final Duration EXIT_EXPLAINS = Duration.ofSeconds(1);

    private final CodexProcess process;
    private final JsonRpcPeer peer;

    private CodexConnection(CodexProcess process, JsonRpcPeer peer) {
        this.process = process;
        this.peer = peer;
    }

    /**
     * Starts codex and a peer on its stdio. {@code configure} adds handlers, an inbound sink and
     * timeouts to the peer before its reader starts.
     */
    public static CodexConnection open(CodexLaunch launch, Consumer<JsonRpcPeer.Builder> configure) {
        CodexProcess process = CodexProcess.start(launch);
        JsonRpcPeer peer;
        try {
            // the peer's close leaves codex's stdout open, read, until codex has exited (the ladder then closes it):
            // a closed pipe would make codex's last writes fail, which it logs as an ERROR
            JsonRpcPeer.Builder builder = JsonRpcPeer.builder(new FilterInputStream(process.stdout()) {
                        @Override
                        public void close() {
                            // the ladder's to close
                        }
                    }, process.stdin())
                    .name(launch.name() + "-" + process.pid());
            configure.accept(builder);
            peer = builder.build();
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
        CodexConnection connection = new CodexConnection(process, peer);
        connection.watch();
        peer.start();
        process.findWrappedCodex();
        return connection;
    }

    private void watch() {
        process.exitFuture().thenRunAsync(() -> {
            if (peer.isOpen()) {
                peer.close(new ConnectionClosedException("codex exited",
                        process.deathException("", Duration.ZERO, null)));
            }
        }, CompletableFuture.delayedExecutor(DRAIN_AFTER_EXIT.toMillis(), TimeUnit.MILLISECONDS,
                RpcThreads.waits()));
        // Waiting for the exit holds no thread. Twice EXIT_EXPLAINS: a failed request's explanation,
        // queued on the waits pool after one, then runs before the ladder changes what it sees.
        peer.closedFuture().thenCompose(closed -> process.exitFuture()
                        .completeOnTimeout(null, 2 * EXIT_EXPLAINS.toMillis(), TimeUnit.MILLISECONDS))
                .thenAcceptAsync(code -> {
                    if (code == null && process.isAlive()) {
                        // codex outlived its stdout: nothing can reach it any more, so stop it
                        process.shutdownAfterClosedOutput();
                    }
                }, RpcThreads.waits());     // the shutdown ladder waits
    }

    public JsonRpcPeer peer() {
        return peer;
    }

    public CodexProcess process() {
        return process;
    }

    /**
     * Sends a request; if the connection dies before the answer, the future fails with a
     * {@link CodexProcessException} describing codex's exit instead of a bare closed connection.
     */
    public CompletableFuture<JsonNode> request(String method, Object params, Duration timeout) {
        return peer.request(method, params, timeout).exceptionallyCompose(failure -> {
            Throwable cause = Futures.unwrap(failure);
            if (!(cause instanceof ConnectionClosedException)) {
                return CompletableFuture.failedFuture(cause);
            }
            // up to EXIT_EXPLAINS for the exit, holding no thread; then the explanation (it reads the
            // stderr tail) on the waits pool
            return process.exitFuture().completeOnTimeout(null, EXIT_EXPLAINS.toMillis(), TimeUnit.MILLISECONDS)
                    .thenApplyAsync(code -> {
                        throw process.deathException("before answering " + method, Duration.ZERO, cause);
                    }, RpcThreads.waits());
        });
    }

    /** {@link #request} and wait; failures are thrown as the unchecked exceptions they are. */
    public JsonNode call(String method, Object params, Duration timeout) {
        return Futures.join(request(method, params, timeout));
    }

    /** Closes the peer, then stops codex by the shutdown ladder. Idempotent. */
    @Override
    public void close() {
        peer.close();
        process.close();
    }
}
