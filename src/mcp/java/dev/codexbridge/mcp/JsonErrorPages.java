package dev.codexbridge.mcp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's error pages as JSON-RPC errors ({@link JsonErrors}): a short message for the status,
 * never a stack trace, an exception's text or an HTML page; for every method (Jetty writes a page
 * only for GET, POST and HEAD) and whatever the request accepts.
 */
final class JsonErrorPages {
    private JsonErrorPages() {
    }

    /** In the servlet context: what the SDK or the container hands to {@code sendError} (a session unknown to a GET, a method not served). */
    static final class InContext extends org.eclipse.jetty.ee11.servlet.ErrorHandler {
        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        @Override
        protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
            // an MCP session the SDK does not know reads as one the gate refuses: the answer tells nothing
            writeJson(response, callback, code, code == 404 && request.getHeaders().contains(StreamResumption.SESSION_HEADER)
                    ? "session not found" : JsonErrors.reason(code));
        }
    }

    /** In the server: what it refuses before a request reaches the context (a broken request line, headers too large). */
    static final class InServer extends org.eclipse.jetty.server.handler.ErrorHandler {
        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        @Override
        protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
            writeJson(response, callback, code, JsonErrors.reason(code));
        }
    }

    private static void writeJson(Response response, Callback callback, int code, String message) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(JsonErrors.forStatus(code, message).getBytes(StandardCharsets.UTF_8)), callback);
    }
}
