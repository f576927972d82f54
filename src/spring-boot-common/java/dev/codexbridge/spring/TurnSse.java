package dev.codexbridge.spring;

import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.session.TurnStreamEvent;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * Writes happen on threads of this class's own (or the executor given), never the library's: a
 * write to a page that stopped reading blocks. The emitter completes after {@code ended}; a stream
 * that fails sends a {@code failed} event with its message, then completes. A page that goes
 * away cancels the stream; the turn goes on. No timeout: a turn may wait on a person.
 */
public final class TurnSse {
    private static final Logger LOG = SafeLogger.getLogger(TurnSse.class);
    /** The event a stream that fails sends before the emitter completes ({@code error} is the browser's own). */
    public static final String FAILED = "failed";
    /** Threads that write to pages at most, JVM-wide. */
    public static final int MAX_WRITERS = 16;

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
        return emitter(stream, view, Writers.POOL);
    }

    /**
     * As {@link #emitter(Flow.Publisher, Function)}, writing on {@code writer} (say, an executor of
     * virtual threads). A write to a page that stopped reading blocks its thread until the
     * server gives up on the connection, so it must not be the library's host pool.
     */
    public static SseEmitter emitter(Flow.Publisher<TurnStreamEvent> stream, Function<TurnStreamEvent, SseEmitter.@Nullable SseEventBuilder> view,
            Executor writer) {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(view, "view");
        Objects.requireNonNull(writer, "writer");
        SseEmitter emitter = new SseEmitter(0L);
        stream.subscribe(new Sender(emitter, view, writer));
        return emitter;
    }

    /** The default view of one event: named by its kind, {@link TurnEventView#data} as JSON. */
    public static SseEmitter.SseEventBuilder event(TurnStreamEvent event) {
        return SseEmitter.event().name(event.kind()).data(TurnEventView.data(event), MediaType.APPLICATION_JSON);
    }

    /**
     * The emitters' writers: daemon threads of their own, at most {@value #MAX_WRITERS}, idle ones
     * ending after 30 s. Pages that stop reading can hold these up, and so other pages' writes,
     * never the library's threads or another session's turn.
     */
    private static final class Writers {
        static final ThreadPoolExecutor POOL = pool();

        private static ThreadPoolExecutor pool() {
            AtomicInteger n = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(MAX_WRITERS, MAX_WRITERS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "codex-bridge-sse-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            pool.allowCoreThreadTimeOut(true);
            return pool;
        }
    }

    /**
     * Writes each event, then asks for the next: one outstanding at a time, so the queue of
     * {@link Writers} holds at most one write per open emitter. The stream's signals are handed
     * to the writer in order ({@code tail}), so the end is written after the last event.
     */
    private static final class Sender implements Flow.Subscriber<TurnStreamEvent> {
        private final SseEmitter emitter;
        private final Function<TurnStreamEvent, SseEmitter.SseEventBuilder> view;
        private final Executor writer;
        private volatile Flow.Subscription subscription;
        /** The last step handed to the writer; the stream's signals are serial, so only they touch it. */
        private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

        Sender(SseEmitter emitter, Function<TurnStreamEvent, SseEmitter.SseEventBuilder> view, Executor writer) {
            this.emitter = emitter;
            this.view = view;
            this.writer = writer;
        }

        private void then(Runnable step) {
            tail = tail.thenRunAsync(step, writer);
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
            then(() -> {
                try {
                    SseEmitter.SseEventBuilder shown = view.apply(event);
                    if (shown != null) {
                        emitter.send(shown);
                    }
                    subscription.request(1);
                } catch (IOException | RuntimeException gone) {
                    LOG.debug("turn stream: the page went away, or the view failed ({}); delivery stops, the turn goes on", gone.toString());
                    subscription.cancel();
                    try {
                        emitter.completeWithError(gone);
                    } catch (RuntimeException done) {
                        LOG.debug("turn stream: the emitter was already done", done);
                    }
                }
            });
        }

        @Override
        public void onError(Throwable failure) {
            then(() -> {
                try {
                    emitter.send(SseEmitter.event().name(FAILED)
                            .data(Map.of("message", String.valueOf(failure.getMessage())), MediaType.APPLICATION_JSON));
                    emitter.complete();
                } catch (IOException | RuntimeException gone) {
                    LOG.debug("turn stream: the page went away before the failure was sent", gone);
                }
            });
        }

        @Override
        public void onComplete() {
            then(() -> {
                try {
                    emitter.complete();
                } catch (RuntimeException gone) {
                    LOG.debug("turn stream: the emitter was already done", gone);
                }
            });
        }
    }
}
