package dev.codexbridge.mcp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP endpoint's refusals as JSON-RPC error objects ({@code id: null}): a short message a
 * client can show, never an exception's text or a stack trace.
 */
final class JsonErrors {
    private JsonErrors() {
    }

    static void write(HttpServletResponse response, int status, String message) throws IOException {
        write(response, status, code(status), message);
    }

    static void write(HttpServletResponse response, int status, int code, String message) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        byte[] body = body(code, message).getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** The error object for an HTTP status. */
    static String forStatus(int status, String message) {
        return body(code(status), message);
    }

    private static String body(int code, String message) {
        ObjectNode n = Json.object().put("jsonrpc", "2.0").putNull("id");
        n.putObject("error").put("code", code).put("message", message);
        return Json.write(n);
    }

    /** -32600 for a request the server cannot take as it is; -32000, the implementation's range, for the rest. */
    private static int code(int status) {
        return status == 400 || status == 413 || status == 415 ? -32600 : -32000;
    }

    /** A short reason for a status the container answers by itself. */
    static String reason(int status) {
        return switch (status) {
            case 400 -> "bad request";
            case 401 -> "a bearer token is required";
            case 403 -> "forbidden";
            case 404 -> "not found";
            case 405 -> "method not allowed";
            case 406 -> "not acceptable: accept application/json and text/event-stream";
            case 413 -> "the request is too large";
            case 415 -> "unsupported media type: send application/json";
            default -> status >= 500 ? "the server could not answer" : "the request was refused";
        };
    }
}
