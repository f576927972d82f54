package dev.codexbridge.example.web;

import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnStream;
import dev.codexbridge.session.TurnStreamEvent;
import dev.codexbridge.spring.TurnEventView;
import dev.codexbridge.spring.TurnSse;
import dev.codexbridge.transcript.TranscriptMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * One conversation of the page: a codex thread ({@link CodexSession} on the shared client), its
 * running turn as a stream ({@link CodexSession#streamTurn}), and the transcript so far. One turn
 * at a time, as codex runs them. The page is sent the turn's events by the starter's
 * {@link TurnSse}, named by kind; the {@code ended} event also carries the transcript.
 */
final class Conversation implements AutoCloseable {
    private final String id;
    private final CodexSession session;
    private final List<TranscriptEntry> transcript = new ArrayList<>();
    private TurnStream turn;
    private boolean running;
    private SseEmitter page;

    Conversation(String id, CodexSession session) {
        this.id = id;
        this.session = session;
    }

    String id() {
        return id;
    }

    synchronized List<TranscriptEntry> transcript() {
        return List.copyOf(transcript);
    }

    /** Starts a turn, its events waiting for the page; false when one is running already. */
    synchronized boolean send(String text) {
        if (running) {
            return false;
        }
        running = true;
        transcript.add(new TranscriptEntry("user", text));
        TurnStream started = session.streamTurn(TurnInput.text(text), TurnOptions.DEFAULTS);
        turn = started;
        // the transcript grows whether or not a page listens
        started.handle().result().whenComplete((result, failure) -> finished(started, result));
        return true;
    }

    /** The running (or last) turn's events for the page, once: the stream has one subscriber. */
    synchronized Optional<SseEmitter> listen() {
        if (turn == null) {
            return Optional.empty();
        }
        TurnStream listened = turn;
        page = TurnSse.emitter(listened, event -> show(listened, event));
        return Optional.of(page);
    }

    /** The starter's view of each event; the end also carries the transcript, recorded first. */
    private SseEmitter.SseEventBuilder show(TurnStream stream, TurnStreamEvent event) {
        if (!(event instanceof TurnStreamEvent.Ended)) {
            return TurnSse.event(event);
        }
        finished(stream, ((TurnStreamEvent.Ended) event).result());
        Map<String, Object> data = new java.util.LinkedHashMap<>(TurnEventView.data(event));
        data.put("transcript", transcript());
        return SseEmitter.event().name(event.kind()).data(data, MediaType.APPLICATION_JSON);
    }

    /** The turn ended: its messages join the transcript, once, and the next turn may start. */
    private synchronized void finished(TurnStream stream, TurnResult result) {
        if (stream != turn || !running) {
            return;
        }
        running = false;
        if (result != null) {
            for (TranscriptMessage m : result.messages()) {
                if (m.role() != TranscriptMessage.Role.USER) {
                    transcript.add(TranscriptEntry.of(m));
                }
            }
        }
    }

    /** Ends the page's stream (the app is stopping): an open one would hold graceful shutdown for its whole timeout. */
    synchronized void closePage() {
        if (page != null) {
            page.complete();
        }
    }

    @Override
    public void close() {
        session.close();
    }
}
