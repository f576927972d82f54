package dev.codexbridge.a2a;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Sends push notifications: one bounded queue per webhook, delivered in order one at a time with
 * the JDK's asynchronous HTTP client, so a slow or dead webhook holds no thread and never a turn.
 * A 5xx answer or a failed connection is retried with doubling backoff up to
 * {@link PushOptions#attempts}; a 4xx answer is final.
 */
final class Webhooks implements AutoCloseable {
    private final PushOptions options;
    private final HttpClient http;
    private final ScheduledExecutorService timer;
    private final Map<URI, Queue> queues = new ConcurrentHashMap<>();
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();

    /** One notification for one webhook. */
    record Note(PushConfig config, byte[] body) {
    }

    private static final class Queue {
        final URI url;
        final ArrayDeque<Note> waiting = new ArrayDeque<>();
        boolean sending;

        Queue(URI url) {
            this.url = url;
        }
    }

    Webhooks(PushOptions options) {
        this.options = options;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "codex-bridge-a2a-push");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder().connectTimeout(options.timeout()).executor(timer).build();
    }

    /** A webhook URL this server may POST to, or a clear error: http(s) only, and (by default) no private address. */
    URI check(@Nullable String url) {
        if (url == null || url.isBlank()) {
            throw A2aError.invalidParams("the push config's url is required");
        }
        URI u;
        try {
            u = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw A2aError.invalidParams("the push config's url is not a URL: " + url);
        }
        if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
            throw A2aError.invalidParams("the push config's url must be an http or https URL with a host, not " + url);
        }
        if (!options.allowPrivateAddresses()) {
            refusePrivate(u);
        }
        return u;
    }

    private static void refusePrivate(URI u) {
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(u.getHost());
        } catch (UnknownHostException e) {
            throw A2aError.invalidParams("the push config's host does not resolve: " + u.getHost());
        }
        for (InetAddress a : all) {
            byte[] b = a.getAddress();
            boolean uniqueLocal = b.length == 16 && (b[0] & 0xfe) == 0xfc;
            // 0.0.0.0/8 ("this network") and 100.64.0.0/10 (carrier-grade NAT) reach inside too
            boolean thisNetwork = b.length == 4 && b[0] == 0;
            boolean sharedNat = b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
            if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isAnyLocalAddress()
                    || a.isMulticastAddress() || uniqueLocal || thisNetwork || sharedNat) {
                throw A2aError.invalidParams("the push config's host " + u.getHost() + " is a loopback, link-local or private address ("
                        + a.getHostAddress() + "); this server does not send webhooks into its own network");
            }
        }
    }

    /** Queues a notification; never blocks. A full queue drops it. */
    void send(PushConfig config, byte[] body) {
        Queue q = queues.computeIfAbsent(config.url(), Queue::new);
        synchronized (q) {
            if (q.waiting.size() >= options.queuePerWebhook()) {
                dropped.incrementAndGet();
                return;
            }
            q.waiting.add(new Note(config, body));
            if (q.sending) {
                return;
            }
            q.sending = true;
        }
        try {
            timer.execute(() -> next(q));
        } catch (RejectedExecutionException e) {
            // the server is closing: the notification goes nowhere, and the turn is not disturbed
            dropped.incrementAndGet();
        }
    }

    private void next(Queue q) {
        Note n;
        synchronized (q) {
            n = q.waiting.poll();
            if (n == null) {
                q.sending = false;
                // forgotten when idle, so callers' many webhook URLs do not pile up; a send that
                // still holds this queue drains it itself
                queues.remove(q.url, q);
                return;
            }
        }
        attempt(q, n, 1);
    }

    private void attempt(Queue q, Note n, int attempt) {
        CompletableFuture<HttpResponse<Void>> sent;
        try {
            if (!options.allowPrivateAddresses()) {
                // checked again at each delivery: the name may resolve elsewhere by now
                refusePrivate(n.config().url());
            }
            sent = http.sendAsync(request(n), HttpResponse.BodyHandlers.discarding());
        } catch (RuntimeException e) {
            dropped.incrementAndGet();
            next(q);
            return;
        }
        sent.whenComplete((r, e) -> {
            boolean retry = e != null ? e instanceof IOException || e.getCause() instanceof IOException : r.statusCode() >= 500;
            if (e == null && r.statusCode() < 300) {
                delivered.incrementAndGet();
            } else if (retry && attempt < options.attempts()) {
                long wait = options.firstBackoff().toMillis() << Math.min(attempt - 1, 16);
                timer.schedule(() -> attempt(q, n, attempt + 1), wait, TimeUnit.MILLISECONDS);
                return;
            } else {
                dropped.incrementAndGet();
            }
            next(q);
        });
    }

    private HttpRequest request(Note n) {
        PushConfig c = n.config();
        HttpRequest.Builder b = HttpRequest.newBuilder(c.url()).timeout(options.timeout()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(n.body()));
        if (c.token() != null) {
            b.header("X-A2A-Notification-Token", c.token());
        }
        if (c.scheme() != null && c.credentials() != null) {
            b.header("Authorization", c.scheme() + " " + c.credentials());
        }
        return b.build();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
