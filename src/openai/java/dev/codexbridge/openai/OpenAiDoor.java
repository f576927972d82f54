package dev.codexbridge.openai;

import dev.codexbridge.callers.Drain;
import dev.codexbridge.callers.Resends;
import dev.codexbridge.store.DoorRecords;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The door without its listener: the conversations it holds, its background responses, its drain
 * and its routes. {@link OpenAiServer} puts it on a Jetty listener of its own; {@link OpenAiServlet}
 * in the application's servlet container. Both stop it the same way.
 */
final class OpenAiDoor {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiDoor.class);
    /** How long an interrupted turn's answer is waited for once the drain's bound has passed. */
    private static final Duration INTERRUPTED_ANSWER_WAIT = Duration.ofSeconds(5);

    final OpenAiHandler routes;
    private final OpenAiServer.Builder settings;
    private final Conversations conversations;
    private final ResponseRecords responses;
    private final Drain draining = new Drain();
    private final BackgroundResponses backgrounds = new BackgroundResponses();
    private final BackgroundAcrossReplicas across;
    private final HeldAcrossReplicas relays;

    OpenAiDoor(OpenAiServer.Builder b) {
        if (b.auth == null && b.anonymous == null) {
            throw new IllegalStateException("give the callers' authenticator, or (for trusted callers only) an anonymous principal");
        }
        this.settings = b;
        this.conversations = new Conversations(Objects.requireNonNull(b.sessions, "sessions: give a gateway"), b.callerWait,
                b.conversations, b.conversationsPerPrincipal);
        Turns turns = new Turns(draining);
        // with a store, in it (decision 0126): every replica sharing it answers a response, a history or a conversation another
        // one answered
        this.responses = b.doorRecords == null ? ResponseRecords.inMemory(b.responsesKept)
                : new StoredResponseRecords(b.doorRecords, b.responsesKept);
        DoorRecords records = b.doorRecords != null ? b.doorRecords
                : DoorRecords.inMemory((int) Math.min(Integer.MAX_VALUE, 3L * b.responsesKept));
        KeptConversations kept = new KeptConversations(records);
        this.across = new BackgroundAcrossReplicas(responses);
        this.relays = new HeldAcrossReplicas(b.doorRecords, responses, records);
        this.routes = new OpenAiHandler(new ResponsesApi(conversations, responses, turns, backgrounds, across, kept, relays),
                new ChatCompletionsApi(conversations, new ChatHistories(records), turns, relays), new ConversationsApi(kept, responses),
                b.models,
                b.auth, b.anonymous,
                b.maxRequestBytes, b.readiness, new KeyedRequests(b.resends != null ? b.resends : Resends.inMemory(), draining));
    }

    int conversationsHeld() {
        return conversations.size();
    }

    int callsAwaited() {
        return conversations.awaited();
    }

    /**
     * The stop's first half: {@code /readyz} answers "stopping", a new turn is refused "send again"
     * (503), the turns in flight are waited for up to the drain's bound; what still runs then is
     * interrupted and its answer waited for a few seconds more.
     */
    void drain() {
        settings.readiness.close();
        try {
            if (!draining.stopAndAwait(settings.drainTimeout)) {
                LOG.info("the OpenAI door stops with {} turns still running after {} s: they are interrupted", draining.inFlight(),
                        settings.drainTimeout.toSeconds());
                conversations.interruptRunning();
                draining.stopAndAwait(INTERRUPTED_ANSWER_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The stop's second half, once nothing is answered any more: every conversation's session closed (with a store: stored and let go). */
    void release() {
        relays.close();
        conversations.close();
        across.close();
        backgrounds.close();
        responses.close();
    }
}
