package dev.codexbridge.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background responses where replicas share a store (docs/openai.md, "Background responses"): the
 * replica running one writes it as it stands every {@link #RUNNING_EVERY} while it runs (a
 * foreground one too, decision 0144) and takes the cancels other replicas ask for; another
 * replica reads it {@code in_progress} (or failed, once
 * those writes stopped without an end: {@link StoredResponseRecords#RUNNING_GONE}), asks to cancel
 * it, and streams it once it ended. One daemon thread for every running response of the door,
 * started with the first; without a shared store nothing runs.
 */
final class BackgroundAcrossReplicas implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundAcrossReplicas.class);
    /** How often a running background response is written as it stands, and looks for a cancel asked elsewhere. */
    static final Duration RUNNING_EVERY = Duration.ofSeconds(2);
    /** How often a replica that does not run a response reads it, to answer a cancel or a stream once it ended. */
    static final Duration READ_EVERY = Duration.ofMillis(500);

    private final ResponseRecords records;
    /** The streams waiting for a response that runs elsewhere to end: ended with nothing when the door closes. */
    private final java.util.Set<SseStream> waiting = new java.util.HashSet<>();
    private final StoreLooks looks = new StoreLooks("codex-bridge-openai-background");
    private volatile boolean closed;

    BackgroundAcrossReplicas(ResponseRecords records) {
        this.records = records;
    }

    /** Whether {@code response} is still running, as its record says. */
    static boolean running(JsonNode response) {
        String status = response.path("status").asText();
        return status.equals("queued") || status.equals("in_progress");
    }

    /**
     * Writes {@code live} as it stands now and then every {@link #RUNNING_EVERY} until its turn ends,
     * and cancels it when another replica asks. {@code asItStands}: its record now.
     */
    void follow(BackgroundResponses.Live live, Supplier<ResponseRecords.Entry> asItStands) {
        if (!records.shared() || closed) {
            return;
        }
        records.running(asItStands.get(), () -> running(live.turn.now()));
        looks.repeatUntil(RUNNING_EVERY, () -> {
            if (!running(live.turn.now())) {
                return true;
            }
            if (records.takeCancelAsk(live.id)) {
                LOG.info("background response {} is cancelled, as another replica asked", live.id);
                live.cancel();
            }
            records.running(asItStands.get(), () -> running(live.turn.now()));
            return false;
        });
    }

    /**
     * Writes {@code turn}, a response begun here in the foreground, as it stands now and then every
     * {@link #RUNNING_EVERY} until it ends (decision 0144): another replica reads it in progress, not
     * unknown, while its end waits for a store that did not take it, and failed once these writes
     * stopped without an end ({@link StoredResponseRecords#RUNNING_GONE}: its replica went).
     */
    void followForeground(ResponseTurn turn, Supplier<ResponseRecords.Entry> asItStands) {
        if (!records.shared() || closed) {
            return;
        }
        records.running(asItStands.get(), () -> running(turn.now()));
        looks.repeatUntil(RUNNING_EVERY, () -> {
            if (!running(turn.now())) {
                return true;
            }
            records.running(asItStands.get(), () -> running(turn.now()));
            return false;
        });
    }

    /**
     * Cancels {@code principal}'s background response {@code id} that runs on another replica: asks
     * it, then reads the record until the response ended or {@code wait} passed; answers it as it then stands.
     */
    ObjectNode cancelElsewhere(String principal, String id, Duration wait) throws InterruptedException {
        records.askCancel(principal, id);
        long deadline = System.nanoTime() + wait.toNanos();
        JsonNode response = read(principal, id);
        while (running(response) && System.nanoTime() < deadline) {
            Thread.sleep(READ_EVERY.toMillis());
            response = read(principal, id);
        }
        return (ObjectNode) response;
    }

    /**
     * Streams {@code principal}'s background response {@code id}, running on another replica, once
     * it ended: its events made anew from the response as it ended (the stream keeps itself alive
     * meanwhile). A response deleted meanwhile, or a door that closes, ends the stream with nothing.
     */
    void streamWhenEnded(String principal, String id, SseStream events) {
        synchronized (this) {
            if (closed) {
                events.end();
                return;
            }
            waiting.add(events);
        }
        looks.repeatUntil(READ_EVERY, () -> {
            java.util.Optional<ResponseRecords.Entry> entry;
            try {
                entry = records.get(principal, id);
            } catch (OpenAiError away) {
                return false;      // the store did not answer this time: read again next time
            }
            if (entry.isPresent() && running(entry.get().response())) {
                return false;
            }
            entry.ifPresent(e -> KeyedRequests.responseEvents(e.response(), events));
            synchronized (this) {
                waiting.remove(events);
            }
            events.end();
            return true;
        });
    }

    private JsonNode read(String principal, String id) {
        return records.get(principal, id).orElseThrow(() -> OpenAiError.notFound("Response", id, null)).response();
    }

    @Override
    public void close() {
        java.util.List<SseStream> ended;
        synchronized (this) {
            closed = true;
            looks.close();
            ended = java.util.List.copyOf(waiting);
            waiting.clear();
        }
        ended.forEach(SseStream::end);
    }
}
