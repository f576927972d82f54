package dev.codexbridge.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.internal.SafeLogger;
import dev.codexbridge.json.Json;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.process.CodexProcessException;
import dev.codexbridge.protocol.InitializeCapabilities;
import dev.codexbridge.protocol.InitializeParams;
import dev.codexbridge.protocol.InitializeResponse;
import dev.codexbridge.rpc.ConnectionClosedException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.rpc.RpcTimeoutException;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.rpc.WireTap;
import dev.codexbridge.transport.CodexTransport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * One client's connection to codex, opened and reopened: the transport, the {@code initialize}
 * handshake (the only one in the library), which connection is the current one (generations),
 * when the client is ready or done, and why a connection closed. What arrives is the
 * {@link EventRouter}'s to route; reopening is the {@link Reconnector}'s.
 */
final class ClientConnection {
    /** The client's logger: connection losses have always been logged as the client's. */
    private static final Logger LOG = SafeLogger.getLogger(CodexClient.class);

    private final CodexClient owner;
    private final ClientOptions options;
    private final CodexTransport.Factory transports;
    private final EventRouter events;
    private final Reconnector reconnector;
    /** Thread loads on this client's connections, whichever is current: one window (decision 0055). */
    private final ThreadOpenWindow threadOpens;
    /** Requests a restarted codex answers alike: they do not keep codex from being quiet (decision 0079). */
    private final UnchangingRequests unchanging = new UnchangingRequests();
    private final CompletableFuture<ConnectionClosedException> closed = new CompletableFuture<>();
    private volatile CodexTransport transport;
    /** A transport {@link #open} is introducing to codex, not yet the current one (closed by a close meanwhile). */
    private volatile CodexTransport opening;
    private volatile InitializeResponse initialized;
    /** Counts connections: 1 for the first, +1 per reconnect. A message from an older one is ignored. */
    private final AtomicInteger generation = new AtomicInteger();
    /** Completes when the current connection is up; replaced by a pending one while reconnecting. */
    private volatile CompletableFuture<CodexClient> ready = new CompletableFuture<>();
    /**
     * Completes once the current connection's end has been handled ({@link #lost}): until then a
     * connection that just ended still has the ready future it had while it was up.
     */
    private volatile CompletableFuture<Void> endHandled = new CompletableFuture<>();
    private volatile boolean closedByHost;
    private volatile int restarts;
    private volatile CompletableFuture<Void> previousStopped = CompletableFuture.completedFuture(null);
    /** Set when the launch recycles codex ({@link Recycles}): what runs on the connection, and what a recycle holds back. */
    private volatile WorkHold work;
    /** The transport whose connection was lost last (it explains its own end after a reconnect). */
    private volatile CodexTransport lost;
    private final Object explainLock = new Object();
    private volatile Explained lastExplained;

    ClientConnection(CodexClient owner, ClientOptions options) {
        this.owner = owner;
        this.options = options;
        this.transports = transports(options);
        this.events = new EventRouter(this, options.serverRequests());
        this.reconnector = new Reconnector(options.reconnect());
        ThreadOpens opens = options.threadOpens();
        this.threadOpens = new ThreadOpenWindow(opens.atOnce(), opens.queue(), opens.maxWait());
    }

    /** What the options say to talk to; the peer of a connection the client makes gets its timeout and tap. */
    private static CodexTransport.Factory transports(ClientOptions options) {
        if (options.transport() != null) {
            return options.transport();
        }
        Duration timeout = options.requestTimeout();
        Supplier<WireTap> taps = options.wireTaps();
        Consumer<JsonRpcPeer.Builder> configure = peer -> {
            peer.defaultTimeout(timeout);
            if (taps != null) {
                peer.wireTap(taps.get());
            }
        };
        return options.endpoint() != null ? CodexTransport.connect(options.endpoint(), configure)
                : CodexTransport.process(options.launch(), configure);
    }

    ClientOptions options() {
        return options;
    }

    /** The client reaches a running app-server over a socket (it outlives a dropped connection). */
    boolean reachesRunningServer() {
        return options.transport() != null ? options.transport().reachesRunningServer() : options.endpoint() != null;
    }

    CodexClient owner() {
        return owner;
    }

    EventRouter events() {
        return events;
    }

    Reconnector reconnector() {
        return reconnector;
    }

    /** Opens a connection and performs the handshake; throws saying why when codex cannot be reached. */
    void open() {
        endHandled = new CompletableFuture<>();
        CodexTransport t = transports.open(events.sink(generation.incrementAndGet()));
        opening = t;
        // a close while the transport opened (a reconnect's codex starting) read the one before: this one is closed here.
        // Both fields are volatile, written then read in opposite order here and in close(), so one of the two closes it.
        if (closedByHost) {
            t.close();
            throw new ConnectionClosedException("the client was closed while it connected to codex");
        }
        // requests reach a connection once codex has answered its initialize (sooner, codex refuses them "Not initialized":
        // a session's resume during a reconnect); until then they meet the connection that ended
        try {
            initialized = introduce(t);
        } catch (RuntimeException e) {
            opening = null;
            throw e;
        }
        transport = t;
        opening = null;
        if (closedByHost) {
            t.close();      // closed after this read the transport before, and the one opening as gone
        }
        ready.complete(owner);
    }

    /** The handshake on {@code t} ({@code initialize}, checked, then {@code initialized}); closes {@code t} when it fails. */
    private InitializeResponse introduce(CodexTransport t) {
        TelemetryHooks hooks = options.telemetry();
        if (hooks != null) {
            t.peer().traceContext(() -> ClientWire.traceMember(hooks.currentTraceContext()));
        }
        try {
            List<String> optOut = options.optOutNotifications();
            InitializeCapabilities caps = InitializeCapabilities.builder()
                    .experimentalApi(options.experimentalApi())
                    .optOutNotificationMethods(optOut.isEmpty() ? null : optOut)
                    .build();
            String what = t.binary().map(Object::toString)
                    .orElse(options.endpoint() != null ? "the app-server at " + options.endpoint() : "codex");
            JsonNode answer;
            try {
                answer = handshake(t.peer().request("initialize",
                        new InitializeParams(caps, options.clientInfo()), options.requestTimeout()));
            } catch (RpcTimeoutException silent) {
                throw HandshakeChecks.silent(what, t.binary(), silent);
            } catch (CodexProcessException exited) {
                if (t.binary().isEmpty()) {
                    throw exited;
                }
                throw HandshakeChecks.exitedEarly(t.binary().get(), exited);
            }
            InitializeResponse answered = Json.convert(answer, InitializeResponse.class);
            HandshakeChecks.requireSupported(answered, what);
            t.peer().notify("initialized", null);
            return answered;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /**
     * Starts a fresh codex by the same launch and moves the connection to it once it has answered
     * the handshake ({@link dev.codexbridge.process.IdleRestart}), if {@code current} is still the open connection by then;
     * the old one is stopped once the requests it still has in flight are answered, or after
     * {@code drain}. False, the fresh codex stopped again, when the connection changed or ended
     * meanwhile. The caller makes sure nothing is loaded there and no thread load starts.
     */
    boolean restart(CodexTransport current, Duration drain) {
        int next = generation.get() + 1;
        CodexTransport fresh = transports.open(events.sink(next));
        InitializeResponse answered = introduce(fresh);
        synchronized (this) {
            if (transport != current || closedByHost || !current.peer().isOpen() || !generation.compareAndSet(next - 1, next)) {
                fresh.close();
                return false;
            }
            // from here the old connection's end is an earlier generation's: ignored
            endHandled = new CompletableFuture<>();
            initialized = answered;
            transport = fresh;
            restarts++;
        }
        CompletableFuture<Void> stopped = previousStopped = new CompletableFuture<>();
        stopWhenDrained(current, System.nanoTime() + drain.toNanos(), stopped);
        return true;
    }

    private void stopWhenDrained(CodexTransport old, long deadline, CompletableFuture<Void> stopped) {
        if (old.peer().stats().pendingRequests() == 0 || System.nanoTime() > deadline || !old.peer().isOpen()) {
            // the shutdown ladder waits for the process
            CompletableFuture.runAsync(old::close, RpcThreads.waits()).whenComplete((x, failure) -> stopped.complete(null));
            return;
        }
        RpcThreads.timer().schedule(() -> stopWhenDrained(old, deadline, stopped), 50, TimeUnit.MILLISECONDS);
    }

    /** Done once the codex the last {@link #restart} left has exited: until then it holds its loaded threads' writers. */
    CompletableFuture<Void> previousStopped() {
        return previousStopped;
    }

    /** How many times codex was started again for {@link dev.codexbridge.process.IdleRestart} (each also counts as a {@link #generation}). */
    int restarts() {
        return restarts;
    }

    /** The current connection, or null before the first. */
    CodexTransport current() {
        return transport;
    }

    /**
     * Waits for the {@code initialize} answer and explains a closed connection here, on the
     * waiting thread: opening runs on the waits pool, whose threads must not wait for one another.
     */
    private JsonNode handshake(CompletableFuture<JsonNode> answer) {
        try {
            return answer.get();
        } catch (InterruptedException e) {
            answer.cancel(false);
            Thread.currentThread().interrupt();
            throw new ConnectionClosedException("interrupted while waiting for codex", e);
        } catch (ExecutionException e) {
            Throwable cause = Futures.unwrap(e);
            if (cause instanceof ConnectionClosedException closedCause) {
                throw explainClose("before answering initialize", closedCause);
            }
            throw Futures.rethrow(cause);
        }
    }

    /** Closes the current transport, if any, and opens a new connection: one reconnect attempt. */
    void reopen() {
        CodexTransport old = transport;
        if (old != null) {
            old.close();
        }
        open();
    }

    JsonRpcPeer peer() {
        CodexTransport t = transport;
        if (t == null) {
            throw new CodexException("the client is not connected");
        }
        return t.peer();
    }

    boolean isOpen() {
        CodexTransport t = transport;
        return t != null && t.peer().isOpen();
    }

    InitializeResponse serverInfo() {
        return initialized;
    }

    int generation() {
        return generation.get();
    }

    CompletableFuture<ConnectionClosedException> closedFuture() {
        return closed.copy();
    }

    /** Why the client is done, or null while it is not. */
    ConnectionClosedException closedCause() {
        return closed.getNow(null);
    }

    CompletableFuture<CodexClient> whenReady() {
        CompletableFuture<Void> handled = endHandled;
        CodexTransport t = transport;
        CompletableFuture<CodexClient> r = ready;
        if (!handled.isDone() && r.isDone() && !r.isCompletedExceptionally() && t != null && !t.peer().isOpen()) {
            // the connection ended and its reader thread has not handled the end yet: the ready
            // future is still the one of the connection that is gone, so wait for the handling
            return handled.thenCompose(done -> whenReady());
        }
        return r.copy();
    }

    boolean closedByHost() {
        return closedByHost;
    }

    /** A request by wire name: its result decoded to {@code resultType}, a lost connection explained. */
    <R> CompletableFuture<R> request(String method, Object params, Class<R> resultType, Duration timeout) {
        WorkHold w = work;
        if (w != null && WorkHold.TURN_METHODS.contains(method)) {
            return explained(method, w.turnStart(method, params, timeout, generation::get, this::peer))
                    .thenApply(result -> ClientWire.decode(method, result, resultType));
        }
        if (!ThreadOpenWindow.METHODS.contains(method)) {
            CompletableFuture<JsonNode> sent = unchanging.sending(method) ? send(method, params, timeout, unchanging::answered)
                    : peer().request(method, params, timeout);
            return explained(method, sent).thenApply(result -> ClientWire.decode(method, result, resultType));
        }
        return threadOpens.acquire(Reconnector.resumingHere()).thenCompose(slot -> {
            BiConsumer<Object, Throwable> counted = WorkHold.countsLoad(work, generation.get(), method);
            return explained(method, send(method, params, timeout, slot::release).whenComplete(counted))
                    .thenApply(result -> ClientWire.decode(method, result, resultType));
        });
    }

    /** What a recycle needs to know and holds back, or null when the launch recycles nothing; {@link Recycles} keeps it. */
    WorkHold work() {
        return work;
    }

    void work(WorkHold kept) {
        work = kept;
    }

    /** Sends a request on the current connection; {@code done} runs once it is over, also when it could not be sent. */
    private CompletableFuture<JsonNode> send(String method, Object params, Duration timeout, Runnable done) {
        CompletableFuture<JsonNode> sent;
        try {
            sent = peer().request(method, params, timeout);
        } catch (RuntimeException e) {
            done.run();
            throw e;
        }
        sent.whenComplete((r, e) -> done.run());
        return sent;
    }

    /**
     * A request whose {@code onAnswer} runs on the reader thread in wire order
     * ({@link JsonRpcPeer#requestInOrder}); one that loads a thread first takes its place in the
     * window, and a refusal reaches {@code onAnswer} as the failure, with nothing sent.
     */
    void requestInOrder(String method, Object params, Duration timeout, BiConsumer<JsonNode, Throwable> onAnswer) {
        WorkHold w = work;
        if (w != null && WorkHold.TURN_METHODS.contains(method)) {
            w.turnStart(method, params, timeout, onAnswer, generation::get, this::peer);
            return;
        }
        if (!ThreadOpenWindow.METHODS.contains(method)) {
            peer().requestInOrder(method, params, timeout, onAnswer);
            return;
        }
        threadOpens.acquire(Reconnector.resumingHere()).whenComplete((slot, refused) -> {
            if (refused != null) {
                onAnswer.accept(null, Futures.unwrap(refused));
                return;
            }
            try {
                WorkHold recycling = work;
                // freed before the caller hears its answer (its next load finds it free), unless a recycle needs it kept longer
                peer().requestInOrder(method, params, timeout, recycling == null ? (result, failure) -> {
                    slot.release();
                    onAnswer.accept(result, failure);
                } : WorkHold.loadAnswered(recycling, generation.get(), method, onAnswer, slot::release));
            } catch (RuntimeException e) {
                slot.release();
                onAnswer.accept(null, e);
            }
        });
    }

    /** The requests that do not keep codex from being quiet ({@link IdleRestarts}). */
    UnchangingRequests unchanging() {
        return unchanging;
    }

    /** The window thread loads pass through (for the pool's load figures and the tests). */
    ThreadOpenWindow threadOpens() {
        return threadOpens;
    }

    private <T> CompletableFuture<T> explained(String method, CompletableFuture<T> future) {
        return future.exceptionallyCompose(failure -> {
            Throwable cause = Futures.unwrap(failure);
            if (!(cause instanceof ConnectionClosedException closedCause)) {
                return CompletableFuture.failedFuture(cause);
            }
            // explaining may wait briefly for codex's exit status
            return CompletableFuture.supplyAsync(() -> {
                throw explainClose("before answering " + method, closedCause);
            }, RpcThreads.waits());
        });
    }

    CodexException explainClose(String context, ConnectionClosedException failure) {
        // a request never written fails with the connection's own end as its cause: that end is what is explained
        ConnectionClosedException cause = failure.requestNotSent() && failure.getCause() instanceof ConnectionClosedException end
                ? end : failure;
        // every thread on a lost connection asks at once; the answer may wait for codex's exit: work it out once
        synchronized (explainLock) {
            Explained last = lastExplained;
            if (last != null && last.cause() == cause && last.context().equals(context)) {
                return last.why();
            }
            CodexException why = explainNow(context, cause);
            lastExplained = new Explained(cause, context, why);
            return why;
        }
    }

    private record Explained(ConnectionClosedException cause, String context, CodexException why) {
    }

    private CodexException explainNow(String context, ConnectionClosedException cause) {
        // after a reconnect, or during one's handshake, the connection that ended is not the current one: ask the one that did
        CodexTransport t = endedBy(lost, cause) ? lost : endedBy(opening, cause) ? opening : transport;
        return t == null ? cause : t.explainClose(context, cause);
    }

    private static boolean endedBy(CodexTransport t, ConnectionClosedException cause) {
        return t != null && t.peer().closedFuture().getNow(null) == cause;
    }

    List<String> stderrTail(int lines) {
        CodexTransport t = transport;
        return t == null ? List.of() : t.stderrTail(lines);
    }

    /**
     * Connection {@code connection} ended; on its reader thread. Every attached inbox learns at
     * once; then the connection is reopened when the policy says so, else the client is done.
     */
    void lost(int connection, ConnectionClosedException cause) {
        if (connection != generation.get()) {
            return;     // an earlier connection's late end
        }
        CompletableFuture<Void> handled = endHandled;
        boolean again = reconnector.enabled() && !closedByHost && initialized != null;
        CodexTransport introducing = opening;
        lost = introducing != null ? introducing : transport;   // of this generation: the one opening, when there is one
        if (again) {
            if (!reconnector.begin()) {
                handled.complete(null);
                return;     // a reconnect attempt's own failure: the attempt loop goes on
            }
            ready = new CompletableFuture<>();
        } else {
            closed.complete(cause);
            ready.completeExceptionally(cause);
        }
        events.closeInboxes(cause);
        handled.complete(null);
        if (again) {
            // attached threads learned of the loss above; subscribers keep their lanes across it
            LOG.warn("codex connection {} lost ({}); reconnecting", connection, cause.getMessage());
            reconnector.schedule(this, cause, 1);
        } else if (events.hasSubscribers()) {
            // explaining may wait briefly for codex's exit status: not on the reader thread
            RpcThreads.waits().execute(() -> events.closeLanes(cause));
        }
    }

    /** Every reconnect attempt failed: the client is done. */
    void giveUp(ConnectionClosedException gaveUp) {
        closed.complete(gaveUp);
        ready.completeExceptionally(gaveUp);
        events.closeLanes(gaveUp);
    }

    /** Closes the connection and stops codex when the client started it. Idempotent. */
    void close() {
        closedByHost = true;
        CodexTransport t = transport;
        if (t != null) {
            t.close();
        }
        CodexTransport introducing = opening;
        if (introducing != null) {
            introducing.close();
        }
        // a reconnect between attempts has no transport to close: end it here
        ConnectionClosedException cause = new ConnectionClosedException("the client was closed");
        if (closed.complete(cause)) {
            ready.completeExceptionally(cause);
        }
    }
}
