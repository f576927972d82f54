package dev.codexbridge.spring;

import dev.codexbridge.session.TurnStreamEvent;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Flow;
import org.springframework.http.codec.ServerSentEvent;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;

/**
 * A turn as a Reactor {@link Flux}, for WebFlux (reactor-core on the class path; the starter
 * brings none): Reactor's own adapter over the stream ({@code JdkFlowAdapter}), so Reactor's
 * requests are the stream's back-pressure. Cancelling the flux (the client went away) stops
 * delivery; the turn goes on.
 *
 * <pre>{@code
 * @GetMapping(path = "/turns", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
 * Flux<ServerSentEvent<Map<String, Object>>> turn(@RequestParam String text) {
 *     return TurnFlux.serverSentEvents(session.streamTurn(TurnInput.text(text), TurnOptions.DEFAULTS));
 * }
 * }</pre>
 */
public final class TurnFlux {
    private TurnFlux() {
    }

    /** The turn's events; the flux fails as the stream does. */
    public static Flux<TurnStreamEvent> events(Flow.Publisher<TurnStreamEvent> stream) {
        return JdkFlowAdapter.flowPublisherToFlux(Objects.requireNonNull(stream, "stream"));
    }

    /**
     * The turn's events as server-sent events: named by kind, {@link TurnEventView#data} as data;
     * a stream that fails ends with a {@value TurnSse#FAILED} event carrying its message.
     */
    public static Flux<ServerSentEvent<Map<String, Object>>> serverSentEvents(Flow.Publisher<TurnStreamEvent> stream) {
        return events(stream)
                .map(e -> ServerSentEvent.<Map<String, Object>>builder(TurnEventView.data(e)).event(e.kind()).build())
                .onErrorResume(failure -> Flux.just(ServerSentEvent.<Map<String, Object>>builder(
                        Map.of("message", String.valueOf(failure.getMessage()))).event(TurnSse.FAILED).build()));
    }
}
