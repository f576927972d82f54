package dev.codexbridge.transport;

/**
 * The answer of one readiness or liveness probe of an app-server.
 *
 * @param ok         the endpoint answered as ready (HTTP 200 on {@code /readyz} or {@code /healthz};
 *                   for a unix socket, which serves no HTTP paths, a completed WebSocket upgrade)
 * @param httpStatus the HTTP status it answered, 0 when nothing answered
 * @param detail     what happened, for a person (e.g. {@code connection refused}); no credentials
 */
public record EndpointStatus(boolean ok, int httpStatus, String detail) {
    static EndpointStatus answered(int status, String detail) {
        return new EndpointStatus(status == 200, status, detail);
    }

    static EndpointStatus unreachable(String detail) {
        return new EndpointStatus(false, 0, detail);
    }
}
