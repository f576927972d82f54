package dev.codexbridge.session.internal.thread;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.client.internal.ClientPlumbing;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.internal.ApiAccess;
import dev.codexbridge.session.internal.failure.OtherThreadResumedException;
import dev.codexbridge.session.internal.inbox.SessionInbox;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The requests that open a session's thread on one connection, {@code thread/start} and
 * {@code thread/resume}, and the inbox attached to the thread as codex's answer is read, so no
 * message about the thread that follows the answer is missed; a turn waiting to re-attach hears of
 * a resume at that moment too. How often and when they are sent is {@link ThreadConnection}'s
 * (with {@link ThreadOpenTries}). The attachment is written on the connection's reader thread and
 * given back under the connection's lock.
 */
public final class ThreadOpening {
    private static final Logger LOG = SafeLogger.getLogger(ThreadOpening.class);

    /** Resumes of a thread codex is still unloading; 20 tries wait 25 ms, 50 ms, … in all about 5 s. */
    static final int CLOSING_TRIES = 20;

    /** A turn waiting to re-attach after its connection dropped, told when the thread is resumed (or cannot be); or null. */
    private final AtomicReference<ResumeWatch> resumeWatch = new AtomicReference<>();
    private volatile AutoCloseable attachment;
    /** The inbox and thread the last answer attached (read and written on the connection's reader thread). */
    private volatile SessionInbox attachedInbox;
    private volatile String attachedThread;
    /**
     * The connection ({@link CodexClient#generation}) that answered the last start or resume: a load
     * that waited in the client's window while codex was started again went to the new one.
     */
    private volatile int answeredOn;

    /** {@code watch} hears of the next resume of this thread (or its failure), once. */
    void watchResume(ResumeWatch watch) {
        resumeWatch.set(watch);
    }

    /** {@code watch} no longer waits (its turn ended). */
    void unwatchResume(ResumeWatch watch) {
        resumeWatch.compareAndSet(watch, null);
    }

    /** The turn waiting to re-attach, taken (it is told once); or null. */
    ResumeWatch takeResumeWatch() {
        return resumeWatch.getAndSet(null);
    }

    /** Whether a turn waits to re-attach. */
    boolean resumeWatched() {
        return resumeWatch.get() != null;
    }

    /** Codex's connection-wide messages (rate limits, auth refresh) go to {@code box} too, until {@link #detach}: for the connection's only session. */
    void attachUnscoped(CodexClient c, SessionInbox box) {
        attachment = ClientPlumbing.of(c).attachUnscoped(box);
    }

    /** Detaches the inbox from the connection: only removes map entries. */
    void detach() {
        ThreadLink.closeQuietly(attachment);
        attachment = null;
    }

    /** The connection that answered the last start or resume (read on the reader thread as the answer came). */
    int answeredOn() {
        return answeredOn;
    }

    /** Sends {@code thread/start}; completes with codex's thread id once {@code box} is attached to it. */
    CompletableFuture<String> start(CodexClient c, JsonNode params, Duration timeout, SessionInbox box) {
        return open(c, "thread/start", params, timeout, box, null, false);
    }

    /**
     * A fresh thread in place of {@code previous}, which codex has no record of: {@code thread/start}
     * with {@code params}, tried like the resume it follows ({@code policy}, null for one try): right
     * after a crash codex may be too busy to answer at once.
     */
    CompletableFuture<String> startInPlaceOf(String previous, CodexClient c, JsonNode params, SessionInbox box, ReconnectPolicy policy) {
        // the library's recovery, not the host's request: never refused by the connection's window for thread loads
        ThreadOpenTries tries = ThreadOpenTries.under(policy, t -> open(c, "thread/start", params, t, box, null, true),
                c.requestTimeout(), () -> c.stats().messagesRead());
        return tries.start().handle((id, failure) -> {
            if (failure != null) {
                throw ApiAccess.get().threadOpenFailed("codex has no record of thread " + UntrustedText.of(previous) + " and a fresh thread could not be started",
                        Futures.unwrap(failure));
            }
            return id;
        });
    }

    /**
     * {@code thread/resume} of {@code threadId} with {@code settings} and {@code excludeTurns}
     * (the history stays in codex; nothing is re-sent). Codex before 0.16x treated
     * {@code excludeTurns} as experimental; without that capability the resume is retried without
     * it, which only costs a larger answer. {@code recovery}: the thread was open and its
     * connection ended; this resume and each of its tries, from whichever thread they are sent
     * (a timer's, an answer's), are the library's own recovery and never refused by the
     * connection's window for thread loads ({@link ClientPlumbing#asRecovery}).
     */
    CompletableFuture<String> resume(CodexClient c, SessionInbox box, Duration timeout, String threadId, ThreadOptions settings,
                                     boolean recovery) {
        return resume(c, box, timeout, threadId, settings, recovery, 1);
    }

    /**
     * {@code attempt}: a thread codex is still unloading (the session let go of it a moment ago, with
     * {@code thread_unload_delay_secs = 0}) is refused with "is closing; retry thread/resume after
     * the thread is closed"; the resume is sent again after a short pause, at most
     * {@value #CLOSING_TRIES} times (found by {@code bin/bench chaos} with sessions hibernating).
     */
    private CompletableFuture<String> resume(CodexClient c, SessionInbox box, Duration timeout, String threadId, ThreadOptions settings,
                                             boolean recovery, int attempt) {
        return open(c, "thread/resume", ApiAccess.get().resumeParams(settings, threadId, true), timeout, box, threadId, recovery).exceptionallyCompose(failure -> {
            Throwable cause = Futures.unwrap(failure);
            if (closing(cause) && attempt < CLOSING_TRIES && c.isOpen()) {
                LOG.debug("thread {} is still closing in codex; resuming again (try {})", threadId, attempt + 1);
                CompletableFuture<String> again = new CompletableFuture<>();
                RpcThreads.timer().schedule(() -> resume(c, box, timeout, threadId, settings, recovery, attempt + 1).whenComplete((id, e) -> {
                    if (e != null) {
                        again.completeExceptionally(Futures.unwrap(e));
                    } else {
                        again.complete(id);
                    }
                }), 25L * attempt, TimeUnit.MILLISECONDS);
                return again;
            }
            if (!(cause instanceof RpcException e) || e.code() != RpcError.INVALID_REQUEST || !e.error().message().contains("excludeTurns")) {
                return CompletableFuture.failedFuture(cause);
            }
            LOG.debug("codex refused excludeTurns ({}); resuming with the full history", e.error().message());
            return open(c, "thread/resume", ApiAccess.get().resumeParams(settings, threadId, false), timeout, box, threadId, recovery);
        });
    }

    /** Lets go of a thread codex loaded for this connection by mistake, unless a session on it follows that thread. */
    private static void leave(CodexClient c, String threadId) {
        if (!ClientPlumbing.of(c).attached(threadId)) {
            ThreadReleases.of(c).release(c, c.generation(), threadId);
        }
    }

    /** Whether codex refused a resume because it is still unloading the thread. */
    static boolean closing(Throwable cause) {
        return cause instanceof RpcException e && e.code() == RpcError.INVALID_REQUEST && e.error().message() != null
                && e.error().message().contains("is closing; retry thread/resume");
    }

    /**
     * Sends {@code thread/start} or {@code thread/resume} and attaches the inbox to the thread as
     * the answer is read, so no message about the thread that follows the answer is missed. A
     * resume answered with another thread than {@code asked} fails, and that thread is left.
     * {@code recovery}: sent as the library's own recovery ({@link ClientPlumbing#asRecovery}).
     */
    private CompletableFuture<String> open(CodexClient c, String method, JsonNode params, Duration timeout, SessionInbox box,
                                           @Nullable String asked, boolean recovery) {
        if (recovery) {
            // the window is asked on this thread, whichever thread this is (a retry's timer, an answer's callback)
            return ClientPlumbing.of(c).asRecovery(() -> open(c, method, params, timeout, box, asked, false));
        }
        CompletableFuture<String> opened = new CompletableFuture<>();
        ClientPlumbing.of(c).requestInOrder(method, params, timeout, (result, failure) -> {
            if (failure != null) {
                Throwable cause = Futures.unwrap(failure);
                if (cause instanceof ConnectionClosedException closedCause) {
                    // explaining may wait briefly for codex's exit status: not on the reader thread
                    RpcThreads.waits().execute(() -> opened.completeExceptionally(ClientPlumbing.of(c).explainClose("before answering " + method, closedCause)));
                } else {
                    opened.completeExceptionally(cause);
                }
                return;
            }
            // on the reader thread: read only the id here, not the (possibly large) thread answer; the client holds the
            // load's slot until this returns, so no recycle moves the connection in between
            answeredOn = c.generation();
            JsonNode answered = result.get("thread");
            JsonNode idNode = answered == null ? null : answered.get("id");
            String id = idNode != null && idNode.isTextual() ? idNode.asText() : null;
            if (id == null || id.isEmpty()) {
                opened.completeExceptionally(new CodexException("codex answered " + method + " without a thread id"));
                return;
            }
            if (asked != null && !asked.equalsIgnoreCase(id)) {
                // the rollout under that name is another thread's: nothing of it is followed, and no turn runs on it
                // (a thread id's letters in either case are the same thread)
                leave(c, id);
                opened.completeExceptionally(new OtherThreadResumedException(asked, id));
                return;
            }
            if (box == attachedInbox && id.equals(attachedThread)) {
                opened.complete(id);        // a second try of the same resume, answered too: attached already
                return;
            }
            try {
                AutoCloseable own = attachment;
                AutoCloseable thread = ClientPlumbing.of(c).attach(id, box);
                attachedInbox = box;
                attachedThread = id;
                attachment = own == null ? thread : () -> {
                    thread.close();
                    own.close();
                };
                if ("thread/resume".equals(method)) {
                    ResumeWatch waiting = takeResumeWatch();
                    if (waiting != null) {
                        waiting.resumed(box);      // before the messages that follow the answer, re-sent requests among them
                    }
                }
                opened.complete(id);
            } catch (IllegalStateException taken) {
                opened.completeExceptionally(new CodexException("thread " + UntrustedText.of(id) + " is already open in another session on this connection",
                        FailureKind.ALREADY_OPEN));
            }
        });
        return opened;
    }
}
