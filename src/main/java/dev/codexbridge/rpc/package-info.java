/**
 * JSON-RPC over whole messages, in codex's dialect (JSON-RPC 2.0 without {@code "jsonrpc"}): a
 * {@link dev.codexbridge.rpc.MessageSource} in and a {@link dev.codexbridge.rpc.MessageSender}
 * out, newline-delimited lines over a pair of byte streams (stdio) or a transport's own messages
 * (a WebSocket). Knows nothing about codex's methods: payloads stay raw JSON here, typed decoding
 * belongs to {@code protocol} and {@code client}. Depends on Jackson (through
 * {@link dev.codexbridge.json.Json}) and SLF4J only, so it can be tested and fuzzed on its own.
 *
 * <p>API a host may use: {@link dev.codexbridge.rpc.JsonRpcPeer} and its builder (for in-memory
 * transports and fakes), {@link dev.codexbridge.rpc.MessageSource} and
 * {@link dev.codexbridge.rpc.MessageSender} (what a message transport implements),
 * {@link dev.codexbridge.rpc.InboundSink} and {@link dev.codexbridge.rpc.JsonRpcMessage} (what the
 * peer hands on), {@link dev.codexbridge.rpc.JsonRpcId}, {@link dev.codexbridge.rpc.RpcError},
 * {@link dev.codexbridge.rpc.RequestHandler}, {@link dev.codexbridge.rpc.RetryPolicy},
 * {@link dev.codexbridge.rpc.WireTap}, {@link dev.codexbridge.rpc.PeerStats} and the exceptions
 * {@link dev.codexbridge.rpc.RpcException}, {@link dev.codexbridge.rpc.RpcTimeoutException} and
 * {@link dev.codexbridge.rpc.ConnectionClosedException}.
 *
 * <p>The JVM-wide threads and future helpers every layer uses are in {@code rpc.internal} (not
 * API). The stdio framing ({@code LineFramer},
 * {@code LineSender}), the reader thread's loop ({@code InboundReader}), parsing
 * ({@code MessageCodec}, {@code LargeStringDecoder}, {@code MalformedMessageException}) and the
 * default sink ({@code SerialDispatcher}) are package-private.
 */
@NullMarked
package dev.codexbridge.rpc;

import org.jspecify.annotations.NullMarked;
