package dev.codexbridge.example.web;

import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transcript.TranscriptMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One conversation of the page: a codex thread ({@link CodexSession} on the shared client), the
 * events its page is sent, and the transcript so far. One turn at a time, as codex runs them.
 */
final class Conversation implements AutoCloseable {
    private final String id;
    private final CodexSession session;
    private final EventStream events;
    private final List<TranscriptEntry> transcript = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean();

    Conversation(String id, CodexSession session, EventStream events) {
        this.id = id;
        this.session = session;
        this.events = events;
    }

    String id() {
        return id;
    }

    EventStream events() {
        return events;
    }

    synchronized List<TranscriptEntry> transcript() {
        return List.copyOf(transcript);
    }

    /** Starts a turn; false when one is running already. The turn runs without a thread of its own. */
    boolean send(String text) {
        if (!running.compareAndSet(false, true)) {
            return false;
        }
        synchronized (this) {
            transcript.add(new TranscriptEntry("user", text));
        }
        events.publish("turnStarted", Map.of("text", text));
        session.runTurnAsync(TurnInput.text(text), TurnOptions.DEFAULTS, new PageListener())
                .whenComplete((result, failure) -> {
                    running.set(false);
                    if (failure != null) {
                        events.publish("turnFailed", Map.of("message", String.valueOf(failure.getMessage())));
                    } else {
                        finished(result);
                    }
                });
        return true;
    }

    private void finished(TurnResult result) {
        Map<String, Object> data = new LinkedHashMap<>();
        synchronized (this) {
            for (TranscriptMessage m : result.messages()) {
                if (m.role() != TranscriptMessage.Role.USER) {
                    transcript.add(TranscriptEntry.of(m));
                }
            }
            data.put("transcript", List.copyOf(transcript));
        }
        data.put("status", result.status().wire());
        data.put("finalText", result.finalText() == null ? "" : result.finalText());
        data.put("error", result.error() == null ? "" : String.valueOf(result.error().message()));
        events.publish("turnCompleted", data);
    }

    @Override
    public void close() {
        session.close();
    }

    /** The turn's progress, as events for the page; called on the library's dispatch threads, so it only publishes. */
    private final class PageListener implements TurnListener {
        @Override
        public void onAgentMessageDelta(String itemId, String delta) {
            events.publish("delta", Map.of("itemId", itemId, "text", delta));
        }

        @Override
        public void onCommandOutputDelta(String itemId, String delta) {
            events.publish("output", Map.of("itemId", itemId, "text", delta));
        }

        @Override
        public void onItemStarted(ThreadItem item) {
            if (item instanceof ThreadItem.CommandExecution c) {
                events.publish("commandStarted", Map.of("itemId", c.id(), "command", String.valueOf(c.command())));
            }
        }

        @Override
        public void onItemCompleted(ThreadItem item, List<TranscriptMessage> messages) {
            if (item instanceof ThreadItem.CommandExecution c) {
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("itemId", c.id());
                data.put("command", String.valueOf(c.command()));
                data.put("status", c.status() == null ? "" : c.status().wire());
                data.put("exitCode", c.exitCode() == null ? "" : c.exitCode().toString());
                data.put("output", c.aggregatedOutput() == null ? "" : c.aggregatedOutput());
                events.publish("commandCompleted", data);
            } else if (item instanceof ThreadItem.AgentMessage m) {
                events.publish("message", Map.of("itemId", m.id(), "text", String.valueOf(m.text())));
            }
        }
    }
}
