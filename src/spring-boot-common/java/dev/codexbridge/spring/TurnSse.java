package dev.codexbridge.spring;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.session.TurnStreamEvent;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * A turn as server-sent events for Spring MVC ({@link dev.codexbridge.session.TurnStream}, from
 * {@code CodexSession.streamTurn}): return the emitter from a controller method.
 *
 * <pre>{@code
 * @GetMapping(path = "/turns", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
 * SseEmitter turn(@RequestParam String text) {
 *     return TurnSse.emitter(session.streamTurn(TurnInput.text(text), TurnOptions.DEFAULTS));
 * }
 * }</pre>
 *
 * Each event goes out named by its {@link TurnStreamEvent#kind() kind} with
 * {@link TurnEventView#data} as JSON (or what the host's view makes of it), one at a time: the
 * emitter asks the stream for the next event only once the last was written, so a slow page
 * leaves the stream's own rule to apply (deltas coalesce; docs/decisions/0041-turn-streams.md).
 * Writes happen on the stream's executor. The emitter completes after {@code ended}; a stream
 * that fails sends a {@code failed} event with its message, then completes. A page that goes
 * away cancels the stream; the turn goes on. No timeout: a turn may wait on a person.
 */
public final class TurnSse {
    private static final Logger LOG = SafeLogger.getLogger(TurnSse.class);
    /** The event a stream that fails sends before the emitter completes ({@code error} is the browser's own). */
    public static final String FAILED = "failed";

    private TurnSse() {
    }

    /** The turn's events as server-sent events, named by kind, with {@link TurnEventView#data} as JSON. */
    public static SseEmitter emitter(Flow.Publisher<TurnStreamEvent> stream) {
        return emitter(stream, TurnSse::event);
    }

    /**
     * The turn's events as the host's {@code view} makes them; an event the view maps to null is
     * not sent (and the next one is asked for).
     */
    public static SseEmitter emitter(Flow.Publisher<TurnStreamEvent> stream, Function<TurnStreamEvent, SseEmitter.@Nullable SseEventBuilder> view) {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(view, "view");
        SseEmitter emitter = new SseEmitter(0L);
        stream.subscribe(new Sender(emitter, view));
        return emitter;
    }

    /** The default view of one event: named by its kind, {@link TurnEventView#data} as JSON. */
    public static SseEmitter.SseEventBuilder event(TurnStreamEvent event) {
        return SseEmitter.event().name(event.kind()).data(TurnEventView.data(event), MediaType.APPLICATION_JSON);
    }

    /** Writes each event, then asks for the next: one outstanding at a time. */
    private static final class Sender implements Flow.Subscriber<TurnStreamEvent> {
        private final SseEmitter emitter;
        private final Function<TurnStreamEvent, SseEmitter.SseEventBuilder> view;
        private volatile Flow.Subscription subscription;

        Sender(SseEmitter emitter, Function<TurnStreamEvent, SseEmitter.SseEventBuilder> view) {
            this.emitter = emitter;
            this.view = view;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            // the page went away (or the server is stopping): stop delivery; the turn goes on
            emitter.onCompletion(s::cancel);
            emitter.onTimeout(s::cancel);
            emitter.onError(e -> s.cancel());
            s.request(1);
        }

        @Override
        public void onNext(TurnStreamEvent event) {
            try {
                SseEmitter.SseEventBuilder shown = view.apply(event);
                if (shown != null) {
                    emitter.send(shown);
                }
                subscription.request(1);
            } catch (IOException | IllegalStateException gone) {
                LOG.debug("turn stream: the page went away ({}); delivery stops, the turn goes on", gone.toString());
                subscription.cancel();
            }
        }

        @Override
        public void onError(Throwable failure) {
            try {
                emitter.send(SseEmitter.event().name(FAILED)
                        .data(Map.of("message", String.valueOf(failure.getMessage())), MediaType.APPLICATION_JSON));
                emitter.complete();
            } catch (IOException | IllegalStateException gone) {
                LOG.debug("turn stream: the page went away before the failure was sent", gone);
            }
        }

        @Override
        public void onComplete() {
            try {
                emitter.complete();
            } catch (IllegalStateException gone) {
                LOG.debug("turn stream: the emitter was already done", gone);
            }
        }
    }
}
