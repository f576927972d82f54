package dev.codexbridge.readme;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.telemetry.CodexTelemetry;
import dev.codexbridge.transport.CodexEndpoint;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;

/** docs/observability.md, "Turning it on": the host's OpenTelemetry given to a client, a session and a pool. */
final class TelemetryOn {
    private TelemetryOn() {
    }

    static void traced(CodexEndpoint endpoint) {
        // docs/observability.md:BEGIN
        OpenTelemetry otel = GlobalOpenTelemetry.get();  // or the host's SDK
        CodexTelemetry telemetry = CodexTelemetry.of(otel);                 // no content recorded
        // CodexTelemetry.builder(otel).captureContent(true).build();       // prompts, answers, tool I/O too

        CodexClient client = CodexClient.connect(CodexClient.builder().telemetry(telemetry).options());
        CodexSession session = CodexSession.builder().client(client).build();   // traces with the client's telemetry
        // or, on a connection of the session's own:
        CodexSession own = CodexSession.builder().telemetry(telemetry).build();
        // a pool: every connection it opens traces, and each endpoint's health is measured
        CodexPool pool = CodexPool.builder().endpoint("a", endpoint).telemetry(telemetry).build();
        // docs/observability.md:END
        session.close();
        own.close();
        pool.close();
        client.close();
    }
}
