package dev.codexbridge.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import java.io.ByteArrayOutputStream;
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
 * A bare MCP client over Streamable HTTP on plain sockets, for what the SDKs' clients do not do
 * on demand: drop a stream mid-call and come back with {@code Last-Event-ID}. One MCP session.
 */
final class RawMcpHttp {
    private final URI uri;
    private final String token;
    final String session;

    /** One SSE event as read. */
    record Event(@Nullable String id, JsonNode message) {
    }

    /** An HTTP exchange whose body is read event by event (or whole, when it is not a stream). */
    static final class Exchange implements AutoCloseable {
        final int status;
        final Map<String, String> headers;
        private final Socket socket;
        private final InputStream body;

        Exchange(Socket socket, int status, Map<String, String> headers, InputStream body) {
            this.socket = socket;
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        /** The next event, or null at the stream's end. */
        @Nullable Event next() throws IOException {
            String id = null;
            StringBuilder data = null;
            String line;
            while ((line = line(body)) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        return new Event(id, Json.parse(data.toString()));
                    }
                    continue;
                }
                if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                } else if (line.startsWith("data:")) {
                    data = (data == null ? new StringBuilder() : data.append('\n')).append(line.substring(5).trim());
                }
            }
            return null;
        }

        /** The next event that is a JSON-RPC message with this method, or the response to {@code id} when method is null. */
        Event until(@Nullable String method, @Nullable String id) throws IOException {
            Event e;
            while ((e = next()) != null) {
                if (method != null && method.equals(e.message().path("method").asText())) {
                    return e;
                }
                if (method == null && !e.message().has("method") && e.message().path("id").asText().equals(id)) {
                    return e;
                }
            }
            throw new IOException("the stream ended before " + (method != null ? method : "the response to " + id));
        }

        String bodyText() throws IOException {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private RawMcpHttp(URI uri, String token, String session) {
        this.uri = uri;
        this.token = token;
        this.session = session;
    }

    /** Initializes a session ({@code capabilities} as JSON) and sends {@code notifications/initialized}. */
    static RawMcpHttp connect(URI uri, String token, String capabilities) throws IOException {
        String init = "{\"jsonrpc\":\"2.0\",\"id\":\"init\",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                + "\"capabilities\":" + capabilities + ",\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";
        String session;
        try (Exchange e = new RawMcpHttp(uri, token, null).send("POST", init, null)) {
            session = e.headers.get("mcp-session-id");
            if (e.status != 200 || session == null) {
                throw new IOException("initialize answered " + e.status + ": " + e.bodyText());
            }
        }
        RawMcpHttp client = new RawMcpHttp(uri, token, session);
        client.notify("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        return client;
    }

    /** A POST whose answer is read as it comes. */
    Exchange post(String message) throws IOException {
        return send("POST", message, null);
    }

    /** A notification or a response to the server: answered 202, nothing to read. */
    void notify(String message) throws IOException {
        try (Exchange e = send("POST", message, null)) {
            if (e.status != 202) {
                throw new IOException("answered " + e.status + ": " + e.bodyText());
            }
        }
    }

    /** A GET with {@code Last-Event-ID}: the rest of a broken stream. */
    Exchange resume(String lastEventId) throws IOException {
        return send("GET", null, lastEventId);
    }

    /** As {@link #resume}, as another principal or on another MCP session. */
    Exchange resumeAs(String otherToken, String otherSession, String lastEventId) throws IOException {
        return new RawMcpHttp(uri, otherToken, otherSession).send("GET", null, lastEventId);
    }

    /** A tool call with a progress token, as JSON-RPC. */
    static String toolCall(String id, String tool, Map<String, Object> arguments, @Nullable String progressToken) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("name", tool);
        params.put("arguments", arguments);
        if (progressToken != null) {
            params.put("_meta", Map.of("progressToken", progressToken));
        }
        return Json.write(Map.of("jsonrpc", "2.0", "id", id, "method", "tools/call", "params", params));
    }

    private Exchange send(String method, @Nullable String body, @Nullable String lastEventId) throws IOException {
        Socket socket = new Socket(uri.getHost(), uri.getPort());
        socket.setSoTimeout(120_000);
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(method).append(' ').append(uri.getPath()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n")
                .append("Authorization: Bearer ").append(token).append("\r\n")
                .append("Accept: application/json, text/event-stream\r\n")
                .append("Connection: close\r\n");
        if (session != null) {
            head.append("Mcp-Session-Id: ").append(session).append("\r\n");
        }
        if (lastEventId != null) {
            head.append("Last-Event-ID: ").append(lastEventId).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
        }
        OutputStream out = socket.getOutputStream();
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
        out.write(bytes);
        out.flush();
        InputStream in = socket.getInputStream();
        String status = line(in);
        if (status == null) {
            throw new IOException("no answer to " + method);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String h;
        while ((h = line(in)) != null && !h.isEmpty()) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        InputStream content = "chunked".equalsIgnoreCase(headers.get("transfer-encoding")) ? new Chunked(in)
                : headers.containsKey("content-length") ? new Bounded(in, Long.parseLong(headers.get("content-length"))) : in;
        return new Exchange(socket, Integer.parseInt(status.split(" ")[1]), headers, content);
    }

    /** One line (CRLF or LF), null at the end. */
    static @Nullable String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            b.write(c);
        }
        if (c == -1 && b.size() == 0) {
            return null;
        }
        String s = b.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** A chunked body, decoded. */
    static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = line(in);
                if (size != null && size.isEmpty()) {
                    size = line(in);
                }
                left = size == null ? 0 : Long.parseLong(size.split(";")[0].trim(), 16);
                if (left == 0) {
                    done = true;
                    return -1;
                }
            }
            left--;
            return in.read();
        }
    }

    /** A body of a known length. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private long left;

        Bounded(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            left--;
            return in.read();
        }
    }
}
