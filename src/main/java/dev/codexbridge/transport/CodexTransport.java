package dev.codexbridge.transport;

import dev.codexbridge.CodexException;
import dev.codexbridge.process.CodexConnection;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.InboundSink;
import dev.codexbridge.rpc.JsonRpcPeer;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What a {@code CodexClient} talks to: a started {@link JsonRpcPeer} whose inbound messages go to
 * the client's sink, plus what is known about why it closed. A codex child process by default; a
 * running app-server over a WebSocket or unix socket ({@link #connect}); an in-memory peer or a
 * fixture replayer in tests.
 */
public interface CodexTransport extends AutoCloseable {
    JsonRpcPeer peer();

    /**
     * Why the connection closed, as an exception worth showing (exit code, stderr tail);
     * {@code context} says when, e.g. "before answering initialize" or "during the turn".
     */
    CodexException explainClose(String context, ConnectionClosedException cause);

    /** The last stderr lines, secrets redacted; empty when there is no process. */
    List<String> stderrTail(int lines);

    /** The codex binary behind this transport, when it is a process the library started. */
    default Optional<Path> binary() {
        return Optional.empty();
    }

    /**
     * The resident memory of the codex process this transport started; empty for a connection to
     * a running app-server, or where it cannot be read.
     */
    default OptionalLong codexResidentBytes() {
        return OptionalLong.empty();
    }

    @Override
    void close();

    /** Opens a transport whose inbound messages go to {@code sink}. Called again after a restart. */
    @FunctionalInterface
    interface Factory {
        CodexTransport open(InboundSink sink);

        /**
         * Whether what this factory reaches is a running app-server that outlives a dropped
         * connection (as one reached over a socket does): a turn running there then waits for the
         * reconnect instead of ending (decision 0022). False by default.
         */
        default boolean reachesRunningServer() {
            return false;
        }
    }

    /**
     * A transport over an already started peer with no process behind it (fakes, replays,
     * benchmarks): no stderr, and {@code close} runs when the session lets it go.
     */
    static CodexTransport inMemory(JsonRpcPeer peer, String description, Runnable close) {
        return new CodexTransport() {
            @Override
            public JsonRpcPeer peer() {
                return peer;
            }

            @Override
            public CodexException explainClose(String context, ConnectionClosedException cause) {
                return new CodexException(description + " ended " + context + ": " + cause.getMessage(), cause);
            }

            @Override
            public List<String> stderrTail(int lines) {
                return List.of();
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }

    /**
     * A running app-server reached over {@code endpoint} (WebSocket or unix socket), with
     * {@code configure} applied to its peer. Opening throws a {@link TransportException} when the
     * endpoint cannot be reached, an {@link AuthenticationException} when it refuses the
     * credentials; closing the transport closes the connection, never the app-server.
     */
    static Factory connect(CodexEndpoint endpoint, Consumer<JsonRpcPeer.Builder> configure) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(configure, "configure");
        return sink -> RemoteTransport.open(endpoint, configure, sink);
    }

    /** A codex process started by {@code launch}, with {@code configure} applied to its peer. */
    static Factory process(CodexLaunch launch, Consumer<JsonRpcPeer.Builder> configure) {
        return sink -> {
            CodexConnection conn = CodexConnection.open(launch, peer -> {
                configure.accept(peer);
                peer.inbound(sink);
            });
            return new CodexTransport() {
                @Override
                public JsonRpcPeer peer() {
                    return conn.peer();
                }

                @Override
                public CodexException explainClose(String context, ConnectionClosedException cause) {
                    return conn.process().deathException(context, Duration.ofSeconds(1), cause);
                }

                @Override
                public List<String> stderrTail(int lines) {
                    return conn.process().stderrTail(lines);
                }

                @Override
                public Optional<Path> binary() {
                    return Optional.ofNullable(conn.process().launch().binary());
                }

                @Override
                public OptionalLong codexResidentBytes() {
                    return conn.process().residentBytes();
                }

                @Override
                public void close() {
                    conn.close();
                }
            };
        };
    }
}
