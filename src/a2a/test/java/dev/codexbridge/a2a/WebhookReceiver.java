package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook for push notification tests (the JDK's HTTP server on loopback): records every POST
 * with its headers, answers with the queued statuses first (then 200), each after {@code delay};
 * while {@link #hold()} is on, it answers nothing (and records no hit) until {@link #release()}.
 */
final class WebhookReceiver implements AutoCloseable {
    record Hit(long atNanos, Map<String, List<String>> headers, JsonNode body, int answered) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(e -> e.getValue().get(0))
                    .findFirst().orElse(null);
        }
    }

    private final HttpServer http;
    final List<Hit> hits = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
    volatile Duration delay = Duration.ZERO;
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile CountDownLatch held = new CountDownLatch(0);

    WebhookReceiver() throws IOException {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.setExecutor(Executors.newCachedThreadPool());
        http.createContext("/", ex -> {
            try (ex) {
                byte[] body = ex.getRequestBody().readAllBytes();
                arrived.incrementAndGet();
                held.await();
                Thread.sleep(delay.toMillis());
                Integer s = statuses.poll();
                int status = s == null ? 200 : s;
                hits.add(new Hit(System.nanoTime(), Map.copyOf(ex.getRequestHeaders()), A2aWire.JSON.readTree(body), status));
                ex.sendResponseHeaders(status, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        http.start();
    }

    /** Answers the next POSTs with these statuses, in order. */
    WebhookReceiver answering(Integer... s) {
        statuses.addAll(List.of(s));
        return this;
    }

    /** From now on every POST waits, unanswered, until {@link #release()}: slower than any machine's pace. */
    WebhookReceiver hold() {
        held = new CountDownLatch(1);
        return this;
    }

    void release() {
        held.countDown();
    }

    /** POSTs received so far, answered or held. */
    int arrived() {
        return arrived.get();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort() + path);
    }

    @Override
    public void close() {
        release();
        http.stop(0);
    }
}
