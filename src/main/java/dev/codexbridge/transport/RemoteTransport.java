package dev.codexbridge.transport;

import dev.codexbridge.CodexException;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.InboundSink;
import dev.codexbridge.rpc.JsonRpcPeer;
import java.util.List;
import java.util.function.Consumer;

/** A peer over a {@link RemoteConnection} to an app-server this process did not start. */
final class RemoteTransport implements CodexTransport {
    private final CodexEndpoint endpoint;
    private final RemoteConnection connection;
    private final JsonRpcPeer peer;

    private RemoteTransport(CodexEndpoint endpoint, RemoteConnection connection, JsonRpcPeer peer) {
        this.endpoint = endpoint;
        this.connection = connection;
        this.peer = peer;
    }

    static CodexTransport open(CodexEndpoint endpoint, Consumer<JsonRpcPeer.Builder> configure, InboundSink sink) {
        RemoteConnection connection = endpoint.kind() == CodexEndpoint.Kind.UNIX_SOCKET
                ? UnixWebSocket.open(endpoint)
                : JdkWebSocketConnection.open(endpoint);
        JsonRpcPeer peer;
        try {
            JsonRpcPeer.Builder builder = JsonRpcPeer.builder(connection.input(), connection)
                    .name(endpoint.label())
                    .maxMessageBytes(endpoint.maxMessageBytes());
            configure.accept(builder);
            builder.inbound(sink);
            peer = builder.build();
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        peer.start();
        return new RemoteTransport(endpoint, connection, peer);
    }

    @Override
    public JsonRpcPeer peer() {
        return peer;
    }

    @Override
    public CodexException explainClose(String context, ConnectionClosedException cause) {
        String when = context == null || context.isEmpty() ? "" : " " + context;
        return new TransportException("the connection to codex app-server at " + endpoint.uri() + " ended" + when
                + ": " + connection.closeDetail(), cause);
    }

    @Override
    public List<String> stderrTail(int lines) {
        return List.of();
    }

    @Override
    public void close() {
        peer.close();
        connection.close();
    }
}
