package dev.codexbridge.mcp;

import dev.codexbridge.callers.Readiness;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /readyz} and {@code GET /healthz} beside {@code /mcp}: a balancer's and Kubernetes'
 * probes, outside the gate (no token, no Host check: a probe names the pod's address), answering
 * one word ({@link Readiness}).
 */
final class Probes extends HttpServlet {
    static final String READY_PATH = "/readyz";
    static final String HEALTH_PATH = "/healthz";
    private static final long serialVersionUID = 1L;

    private final transient Readiness readiness;

    Probes(Readiness readiness) {
        this.readiness = readiness;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Readiness.Answer a = READY_PATH.equals(request.getServletPath()) ? readiness.now() : new Readiness.Answer(true, "alive");
        response.setStatus(a.ready() ? HttpServletResponse.SC_OK : HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.setContentType("text/plain; charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.getOutputStream().write((a.body() + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
