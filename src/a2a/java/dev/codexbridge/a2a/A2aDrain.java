package dev.codexbridge.a2a;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.callers.Drain;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stopping A2A server's calls and turns in flight (issue 81, decision 0115): once it stops, a
 * message that would start a task is refused "send it again" before anything runs (HTTP 503 with
 * {@code Retry-After}, the body in the binding's shape), while every call already in flight — a
 * blocking send, a stream, a get, an answer to a task waiting for its caller — is served to its
 * end, and every turn running here (a non-blocking send's too) is waited for, within the bound.
 * What still runs then is interrupted, so each stream ends with its terminal event and each
 * blocking send gets its task, saying why.
 */
final class A2aDrain {
    /** What a task's end says of a turn interrupted because the server stopped: what it may have done is in its context. */
    static final String STOPPED = "this replica stopped before codex's turn ended: the turn was interrupted (what it did so far is in "
            + "the context's history); read the context before sending this again";
    private static final Logger LOG = LoggerFactory.getLogger(A2aServer.class);
    /** How long interrupted turns' ends are waited for once the drain's bound has passed. */
    static final Duration INTERRUPTED_ANSWER_WAIT = Duration.ofSeconds(5);
    /** When to send a refused message again: by then a balancer has this replica out of rotation. */
    static final int RETRY_AFTER_SECONDS = 1;
    private static final Set<String> SENDS = Set.of("message/send", "message/stream", "SendMessage", "SendStreamingMessage");
    /** How often the turns running here are looked at while the server waits for them. */
    private static final long TURNS_POLL_MILLIS = 50;

    private final Drain calls = new Drain();

    /** Whether new tasks are refused. */
    boolean stopping() {
        return calls.stopping();
    }

    /** A call begins; {@code callback} wrapped so its completion, whichever way, says the call is over. */
    Callback enter(Callback callback) {
        Runnable leave = calls.enter();
        return Callback.from(callback, leave);
    }

    /**
     * Whether the call would start a task: a send (of either binding and version) whose message
     * names no task. A message answering a task's pending request is not refused: it finishes
     * a turn already in flight here.
     */
    static boolean startsTask(boolean isRpc, String method, String path, @Nullable JsonNode body) {
        if (body == null) {
            return false;
        }
        JsonNode message;
        if (isRpc) {
            if (!SENDS.contains(body.path("method").asText())) {
                return false;
            }
            message = body.path("params").path("message");
        } else {
            if (!method.equals("POST") || !path.equals("/message:send") && !path.equals("/message:stream")) {
                return false;
            }
            message = body.path("message");
        }
        return !message.hasNonNull("taskId") && !message.hasNonNull("task_id");
    }

    /** The refusal of a task a stopping server will not start: 503, {@code Retry-After}, the body in the binding's shape. */
    static void refuse(Response response, Callback callback, boolean isRpc, @Nullable JsonNode body) throws JsonProcessingException {
        A2aError e = new A2aError(A2aError.UNSUPPORTED, "this replica is stopping: nothing was run; send it again (another replica "
                + "serves it)", Map.of("retryAfterSeconds", Integer.toString(RETRY_AFTER_SECONDS), "stopping", "true"));
        response.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
        JsonNode id = body == null ? null : body.get("id");
        A2aResponses.json(response, callback, 503, A2aWire.JSON.writeValueAsBytes(isRpc
                ? A2aWire.error(id != null && id.isValueNode() ? id : null, e) : A2aRest.unavailable(e)));
    }

    /** Refuses new tasks from now on: before the probe says "stopping", so no task starts once it does. */
    void stop() throws InterruptedException {
        calls.stopAndAwait(Duration.ZERO);
    }

    /**
     * Stops taking tasks and waits, up to {@code bound}, for the calls in flight and the turns
     * running here; interrupts what still runs then and waits a few seconds more for its end to be
     * told. Whether nothing was left running.
     */
    boolean stopAndAwait(A2aAgent agent, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        boolean drained = calls.stopAndAwait(bound) && turnsEnded(agent, deadline);
        if (drained) {
            return true;
        }
        List<A2aTask> working = working(agent).stream().filter(t -> !agent.outlivesServer(t)).toList();
        LOG.info("the A2A server stops with {} calls and {} turns still running after {} s: the turns are interrupted, those on "
                + "an app-server that outlives it left to be followed", calls.inFlight(), working.size(), bound.toSeconds());
        working.forEach(A2aTask::interruptForStop);
        long more = System.nanoTime() + INTERRUPTED_ANSWER_WAIT.toNanos();
        return calls.stopAndAwait(INTERRUPTED_ANSWER_WAIT) && interruptedEnded(agent, more);
    }

    /** Waits until no turn works here (one waiting for its caller has answered its call), or the deadline. */
    private static boolean turnsEnded(A2aAgent agent, long deadline) throws InterruptedException {
        return until(() -> working(agent).isEmpty(), deadline);
    }

    /** Waits until the turns a stop interrupts have ended (those left to be followed elsewhere do not count), or the deadline. */
    private static boolean interruptedEnded(A2aAgent agent, long deadline) throws InterruptedException {
        return until(() -> working(agent).stream().allMatch(agent::outlivesServer), deadline);
    }

    private static boolean until(java.util.function.BooleanSupplier done, long deadline) throws InterruptedException {
        while (!done.getAsBoolean()) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(TURNS_POLL_MILLIS);
        }
        return true;
    }

    private static List<A2aTask> working(A2aAgent agent) {
        return agent.running().stream().filter(t -> !t.paused()).toList();
    }
}
