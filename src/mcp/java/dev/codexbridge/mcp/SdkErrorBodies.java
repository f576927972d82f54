package dev.codexbridge.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The SDK's answers with its error bodies replaced, the filter right before the SDK's servlet. The
 * SDK 2.1 writes an error of its own (an unknown session, a body that is no JSON-RPC message, a
 * response to an id it never sent, a missing header) as its Java exception serialised: class
 * names, stack frames. A body the SDK writes with a status of 400 or more is held, and written as
 * a JSON-RPC error object once the SDK returns ({@link JsonErrors}): the SDK's message when it is
 * one of its plain sentences, else a short one of ours. Errors the SDK hands to the container
 * ({@code sendError}) are the error handler's; everything else passes untouched.
 */
final class SdkErrorBodies extends HttpFilter {
    /** The SDK's sentences that say what the client should change, and nothing of the server. */
    private static final Set<String> PLAIN = Set.of("text/event-stream required in Accept header",
            "application/json required in Accept header", "Session ID required in mcp-session-id header",
            "Unsupported Media Type: Content-Type must be application/json");

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Held held = new Held(response);
        chain.doFilter(request, held);
        held.finish();
    }

    /** The response, holding a body written with an error status. */
    private static final class Held extends HttpServletResponseWrapper {
        private @Nullable ByteArrayOutputStream held;
        private @Nullable PrintWriter heldWriter;
        private @Nullable ServletOutputStream heldStream;

        Held(HttpServletResponse response) {
            super(response);
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            if (!holding()) {
                return super.getWriter();
            }
            if (heldWriter == null) {
                heldWriter = new PrintWriter(new OutputStreamWriter(held(), StandardCharsets.UTF_8));
            }
            return heldWriter;
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            if (!holding()) {
                return super.getOutputStream();
            }
            if (heldStream == null) {
                ByteArrayOutputStream to = held();
                heldStream = new ServletOutputStream() {
                    @Override
                    public boolean isReady() {
                        return true;
                    }

                    @Override
                    public void setWriteListener(WriteListener listener) {
                        throw new UnsupportedOperationException("an error body is held in memory");
                    }

                    @Override
                    public void write(int b) {
                        to.write(b);
                    }
                };
            }
            return heldStream;
        }

        /** Once the SDK is done: the held error body, if any, written as a JSON-RPC error. */
        void finish() throws IOException {
            if (held == null) {
                return;
            }
            if (heldWriter != null) {
                heldWriter.flush();
            }
            int status = getStatus();
            JsonErrors.write((HttpServletResponse) getResponse(), status, message(status, held.toString(StandardCharsets.UTF_8)));
        }

        private boolean holding() {
            return held != null || getStatus() >= 400 && !isCommitted();
        }

        private ByteArrayOutputStream held() {
            if (held == null) {
                held = new ByteArrayOutputStream();
            }
            return held;
        }
    }

    /** What the client is told for an SDK error body: never the exception's own text, which may name classes. */
    static String message(int status, String sdkBody) {
        String said;
        try {
            JsonNode n = Json.parse(sdkBody);
            said = n.path("jsonRpcError").path("message").asText(n.path("message").asText(""));
        } catch (RuntimeException e) {
            said = "";
        }
        if (said.startsWith("Session not found")) {
            return "session not found";
        }
        if (said.startsWith("Invalid message format")) {
            return "the body is not a JSON-RPC message";
        }
        if (said.contains("Unexpected response for unknown id")) {
            return "no request of this server's is waiting for the response's id";
        }
        if (!said.isEmpty() && Arrays.stream(said.split("; ")).allMatch(PLAIN::contains)) {
            return said;
        }
        return JsonErrors.reason(status);
    }
}
