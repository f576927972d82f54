package dev.codexbridge.mcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP request on a plain socket, so every header (Host, Origin, Content-Type, Accept) is
 * whatever a test says, as an attacker's client would send it. The body is read to its end, or to
 * its first event when it is a stream.
 */
final class HttpProbe {
    private HttpProbe() {
    }

    static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
            + "\"capabilities\":{},\"clientInfo\":{\"name\":\"prober\",\"version\":\"1\"}}}";

    record Answer(int status, Map<String, String> headers, String body) {
    }

    /** A new MCP session of {@code token}'s, initialized: its id. */
    static String openSession(URI uri, String token) throws IOException {
        Answer a = send(uri, "POST", token, null, Map.of(), INITIALIZE);
        if (a.status() != 200 || a.headers().get("mcp-session-id") == null) {
            throw new IOException("initialize answered " + a.status() + ": " + a.body());
        }
        String session = a.headers().get("mcp-session-id");
        Answer initialized = send(uri, "POST", token, session, Map.of(), "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        if (initialized.status() != 202) {
            throw new IOException("notifications/initialized answered " + initialized.status() + ": " + initialized.body());
        }
        return session;
    }

    /** {@code Accept: application/json, text/event-stream} and the Host of {@code uri} unless {@code extra} says otherwise. */
    static Answer send(URI uri, String method, @Nullable String token, @Nullable String session, Map<String, String> extra,
            @Nullable String body) throws IOException {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Host", uri.getHost() + ":" + uri.getPort());
        h.put("Accept", "application/json, text/event-stream");
        h.put("Connection", "close");
        if (token != null) {
            h.put("Authorization", "Bearer " + token);
        }
        if (session != null) {
            h.put("Mcp-Session-Id", session);
        }
        if (body != null) {
            h.put("Content-Type", "application/json");
        }
        h.putAll(extra);
        h.values().removeIf(v -> v == null || v.isEmpty());
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder req = new StringBuilder(method + " " + uri.getRawPath() + " HTTP/1.1\r\n");
        h.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
        if (body != null) {
            req.append("Content-Length: ").append(payload.length).append("\r\n");
        }
        req.append("\r\n");
        return exchange(uri, req.toString().getBytes(StandardCharsets.UTF_8), payload);
    }

    /** Bytes as they are, for what no well-behaved client sends (a broken request line, a header too large). */
    static Answer exchange(URI uri, byte[] head, byte[] payload) throws IOException {
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            // a call may run a turn, or wait for another replica to let go of its conversation: what
            // an answer waits for here is bounded by the server, this only stops a test that hangs
            socket.setSoTimeout(120_000);
            OutputStream out = socket.getOutputStream();
            out.write(head);
            out.write(payload);
            out.flush();
            InputStream in = socket.getInputStream();
            String status = RawMcpHttp.line(in);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String l; (l = RawMcpHttp.line(in)) != null && !l.isEmpty(); ) {
                int colon = l.indexOf(':');
                headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
            InputStream content = "chunked".equalsIgnoreCase(headers.get("transfer-encoding")) ? new RawMcpHttp.Chunked(in) : in;
            String text;
            if (headers.getOrDefault("content-type", "").startsWith("text/event-stream")) {
                // the first event is all a test needs; the stream may stay open
                StringBuilder data = new StringBuilder();
                for (String l; (l = RawMcpHttp.line(content)) != null && !(l.isEmpty() && data.length() > 0); ) {
                    if (l.startsWith("data:")) {
                        data.append(l.substring(5).trim());
                    }
                }
                text = data.toString();
            } else if (headers.containsKey("content-length")) {
                text = new String(content.readNBytes(Integer.parseInt(headers.get("content-length"))), StandardCharsets.UTF_8);
            } else {
                text = new String(content.readAllBytes(), StandardCharsets.UTF_8);
            }
            return new Answer(status == null ? 0 : Integer.parseInt(status.split(" ")[1]), headers, text);
        }
    }
}
