package dev.codexbridge.openai;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The OpenAI door in the application's own servlet container (Servlet 6.0 and later), made by
 * {@link OpenAiServer.Builder#servlet()}: mapped at {@code PREFIX/*}, it serves
 * {@code PREFIX/responses}, {@code PREFIX/chat/completions} and {@code PREFIX/models}, and an SDK's
 * base URL is {@code http://HOST:PORT/CONTEXT/PREFIX} (with {@code PREFIX} {@code /v1} as for
 * OpenAI's own). The container's port, TLS and threads carry it; a request runs on the container's
 * thread, which a stream keeps until its end. The application's health endpoint is its probe.
 * {@link #close} stops the door as {@link OpenAiServer#close} does, less the listener: call it
 * before the container stops (the Spring Boot starters do).
 *
 * <p>{@code Host} is checked only against the allowed hosts, when given (the container answers for
 * its own names); {@code Origin}, when a browser sends one, against the container's own port on
 * loopback and the allowed origins.
 */
public final class OpenAiServlet extends HttpServlet implements AutoCloseable {
    private static final long serialVersionUID = 1L;

    private final transient OpenAiDoor door;
    private final transient OpenAiServer.Builder settings;
    private transient volatile int checkedPort = -1;

    OpenAiServlet(OpenAiServer.Builder settings) {
        this.settings = settings;
        this.door = new OpenAiDoor(settings);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) {
        int port = request.getLocalPort();
        if (port != checkedPort) {
            door.routes.origins(dev.codexbridge.callers.OriginCheck.forListener("0.0.0.0", port, settings.allowedOrigins,
                    settings.allowedHosts));
            checkedPort = port;
        }
        door.routes.serve(new Exchange(request, response));
    }

    /** Conversations held open, of every principal (for tests and metrics). */
    int conversationsHeld() {
        return door.conversationsHeld();
    }

    /** Drains the turns in flight (new ones are refused 503, send again), then closes every conversation. */
    @Override
    public void close() {
        door.drain();
        door.release();
    }

    /** A servlet request as the door's routes read it; the path is {@code /v1} and what follows the servlet's mapping. */
    private static final class Exchange implements HttpExchange {
        private final HttpServletRequest request;
        private final HttpServletResponse response;

        Exchange(HttpServletRequest request, HttpServletResponse response) {
            this.request = request;
            this.response = response;
        }

        @Override
        public String method() {
            return request.getMethod();
        }

        @Override
        public String path() {
            String rest = request.getPathInfo();
            return "/v1" + (rest == null ? "" : rest);
        }

        @Override
        public @Nullable String header(String name) {
            return request.getHeader(name);
        }

        @Override
        public Map<String, String> query() {
            Map<String, String> q = new HashMap<>();
            request.getParameterMap().forEach((k, v) -> {
                if (v.length > 0) {
                    q.put(k, v[0]);
                }
            });
            return q;
        }

        @Override
        public InputStream body() throws IOException {
            return request.getInputStream();
        }

        @Override
        public void status(int status) {
            response.setStatus(status);
        }

        @Override
        public void header(String name, String value) {
            response.setHeader(name, value);
        }

        @Override
        public void write(byte[] body) throws IOException {
            response.setContentLength(body.length);
            OutputStream out = response.getOutputStream();
            out.write(body);
            out.flush();
        }

        @Override
        public OutputStream stream() throws IOException {
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            return response.getOutputStream();
        }

        @Override
        public void end() {
            // the container ends the answer when service returns
        }

        @Override
        public void fail(Throwable why) {
            // the caller went away or the thread was interrupted: the container closes the connection
        }
    }
}
