package dev.codexbridge.example.web;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * A conversation's events, kept from the start and sent in order to every page that listens: a
 * page that connects late (or reconnects) is sent what it missed first. Events are published from
 * the library's dispatch threads, which must not block, so the sending happens on {@code sender}.
 */
final class EventStream {
    private final Executor sender;
    private final List<PageEvent> log = new ArrayList<>();
    private final Map<SseEmitter, Integer> listeners = new LinkedHashMap<>();

    EventStream(Executor sender) {
        this.sender = sender;
    }

    void publish(String name, Map<String, Object> data) {
        synchronized (this) {
            log.add(new PageEvent(log.size() + 1L, name, data));
        }
        sender.execute(this::flush);
    }

    /** A page's listener; no timeout, since a turn may wait on a person for minutes. */
    SseEmitter listen(long lastSeen) {
        SseEmitter emitter = new SseEmitter(0L);
        emitter.onCompletion(() -> forget(emitter));
        emitter.onError(e -> forget(emitter));
        synchronized (this) {
            listeners.put(emitter, (int) Math.min(Math.max(lastSeen, 0), log.size()));
        }
        sender.execute(this::flush);
        return emitter;
    }

    /** Ends every page's stream (the app is stopping): an open one would hold graceful shutdown for its whole timeout. */
    synchronized void close() {
        new ArrayList<>(listeners.keySet()).forEach(SseEmitter::complete);
        listeners.clear();
    }

    private synchronized void forget(SseEmitter emitter) {
        listeners.remove(emitter);
    }

    /** Sends each listener what it has not seen yet; serialised, so the order is the log's. */
    private synchronized void flush() {
        for (Map.Entry<SseEmitter, Integer> listener : new ArrayList<>(listeners.entrySet())) {
            int next = listener.getValue();
            try {
                for (; next < log.size(); next++) {
                    PageEvent event = log.get(next);
                    listener.getKey().send(SseEmitter.event().id(Long.toString(event.id())).name(event.name())
                            .data(event.data(), MediaType.APPLICATION_JSON));
                }
                listeners.put(listener.getKey(), next);
            } catch (IOException | IllegalStateException gone) {
                listeners.remove(listener.getKey());   // the page went away; it reconnects with Last-Event-ID
            }
        }
    }
}
