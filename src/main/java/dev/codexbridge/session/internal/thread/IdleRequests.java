package dev.codexbridge.session.internal.thread;

import dev.codexbridge.approval.internal.ServerRequestBridge;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.session.internal.inbox.TurnEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Server requests that arrive while no turn runs (a turn answers its own): say, for a turn another
 * client on the thread started. Answered through the session's bridge on the connection they came
 * on; nothing is written once codex withdrew one. The session is not idle while one is answered
 * (decision 0040), and its idle window counts from each answer.
 */
public final class IdleRequests {
    private final SessionHibernation hibernation;
    private final AtomicInteger answering = new AtomicInteger();

    IdleRequests(SessionHibernation hibernation) {
        this.hibernation = hibernation;
    }

    /** Whether a request is being answered. */
    boolean busy() {
        return answering.get() > 0;
    }

    /** Answers {@code asked} with {@code bridge} on {@code client}, unless a turn claimed it or codex withdrew it; either may be null (let go of). */
    void answer(TurnEvent.Asked asked, ServerRequestBridge bridge, CodexClient client) {
        if (bridge == null || client == null || !asked.claim() || asked.isWithdrawn()) {
            return;
        }
        CodexEvent.ServerRequest r = asked.request;
        this.answering.incrementAndGet();
        CompletableFuture<ServerRequestBridge.Answer> answering = bridge.answer(r.method(), r.params());
        asked.answering(answering);
        answering.whenComplete((answer, failure) -> {
            this.answering.decrementAndGet();
            hibernation.touch();
            if (!asked.settleByAnswer()) {
                return;     // codex withdrew it meanwhile (another client answered it)
            }
            if (answer == null || answer.error() != null) {
                client.respondError(r.id(), answer == null ? new RpcError(RpcError.INTERNAL_ERROR, "no answer") : answer.error());
            } else {
                client.respond(r.id(), answer.result());
            }
        });
    }
}
