package dev.codexbridge.chaos;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load balancer in front of the replicas ({@code bin/bench chaos --replicas}): one HTTP/1.1
 * request per connection, each sent to the next replica in turn ({@code roundRobin}), or, for MCP,
 * to the replica that answered the {@code initialize} whose {@code Mcp-Session-Id} the request
 * carries (docs/mcp.md, "Replicas"). Every second each replica's {@code GET /readyz} is asked
 * (an active health check, as a load balancer or Kubernetes does): requests go only to replicas
 * that answered ready, so one cut from its store leaves rotation; a session whose replica is not
 * ready, or refuses the connection, goes to the next ready one (which answers 404, and the client
 * opens a new session). With no replica ready, every one is tried as before. The answer streams
 * back as it comes (SSE included) with an {@code X-Chaos-Replica} header naming the replica that
 * served it; {@code onChange} hears each replica leave and rejoin rotation.
 */
final class ReplicasProxy implements AutoCloseable {
    static final String SERVED_BY = "X-Chaos-Replica";
    private static final int CONNECT_MS = 1000;
    private static final int PROBE_EVERY_MS = 1000;
    /** Above the doors' own bound on asking their store (2 s), as a probe's timeout should be. */
    private static final int PROBE_TIMEOUT_MS = 3000;

    private final List<InetSocketAddress> replicas;
    private final ServerSocket listener;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "replicas-proxy");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger next = new AtomicInteger();
    private final Map<String, Integer> sessions = new ConcurrentHashMap<>();
    private final AtomicIntegerArray ready;
    private final java.util.function.BiConsumer<Integer, Boolean> onChange;
    private final ScheduledExecutorService probes = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "replicas-proxy-probes");
        t.setDaemon(true);
        return t;
    });

    /** onChange: (replica index, ready) each time a replica enters or leaves rotation. */
    ReplicasProxy(List<InetSocketAddress> replicas, java.util.function.BiConsumer<Integer, Boolean> onChange) throws IOException {
        this.replicas = replicas;
        this.onChange = onChange;
        this.ready = new AtomicIntegerArray(replicas.size());
        for (int r = 0; r < replicas.size(); r++) {
            ready.set(r, 1);        // until a probe says otherwise: as the replicas were waited for before
        }
        this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
        probes.scheduleWithFixedDelay(this::probeAll, 0, PROBE_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    /** Every replica's /readyz, at once: one that does not answer 200 within the probe's time is out of rotation. */
    private void probeAll() {
        List<java.util.concurrent.Future<?>> asked = new java.util.ArrayList<>();
        for (int r = 0; r < replicas.size(); r++) {
            int i = r;
            asked.add(threads.submit(() -> {
                boolean now = probe(replicas.get(i));
                if (ready.getAndSet(i, now ? 1 : 0) != (now ? 1 : 0)) {
                    onChange.accept(i, now);
                }
            }));
        }
        for (java.util.concurrent.Future<?> f : asked) {
            try {
                f.get();
            } catch (Exception e) {
                // a probe's own failure: the next round asks again
            }
        }
    }

    private static boolean probe(InetSocketAddress to) {
        try (Socket s = new Socket()) {
            s.connect(to, CONNECT_MS);
            s.setSoTimeout(PROBE_TIMEOUT_MS);
            OutputStream out = s.getOutputStream();
            out.write(("GET /readyz HTTP/1.1\r\nHost: " + to.getHostString() + ":" + to.getPort() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String head = readHead(new BufferedInputStream(s.getInputStream()));
            return head != null && head.startsWith("HTTP/1.1 200");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Whether {@code r} is in rotation; with none in rotation, every one is (a balancer does not refuse everything on a probe's word). */
    private boolean routable(int r) {
        for (int i = 0; i < replicas.size(); i++) {
            if (ready.get(i) == 1) {
                return ready.get(r) == 1;
            }
        }
        return true;
    }

    int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                threads.execute(() -> serve(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = new BufferedInputStream(client.getInputStream());
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String[] lines = head.split("\r\n");
            StringBuilder forward = new StringBuilder(lines[0]).append("\r\n");
            int length = 0;
            String session = null;
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i];
                int colon = line.indexOf(':');
                String name = colon < 0 ? "" : line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                String value = colon < 0 ? "" : line.substring(colon + 1).strip();
                switch (name) {
                    case "content-length" -> length = Integer.parseInt(value);
                    case "mcp-session-id" -> session = value;
                    default -> {
                    }
                }
                if (!name.equals("connection") && !name.equals("keep-alive") && !name.equals("host")) {
                    forward.append(line).append("\r\n");
                }
            }
            forward.append("Connection: close\r\n");
            byte[] body = in.readNBytes(length);
            Integer sticky = session == null ? null : sessions.get(session);
            int first = sticky != null ? sticky : Math.floorMod(next.getAndIncrement(), replicas.size());
            for (int attempt = 0; attempt < replicas.size(); attempt++) {
                int r = (first + attempt) % replicas.size();
                if (!routable(r)) {
                    continue;
                }
                // the upstream's own name, as nginx sends by default ($proxy_host): the servers check the Host header
                Socket upstream = new Socket();
                try {
                    upstream.connect(replicas.get(r), CONNECT_MS);
                } catch (IOException refused) {
                    upstream.close();
                    continue;
                }
                try (upstream) {
                    OutputStream up = upstream.getOutputStream();
                    InetSocketAddress to = replicas.get(r);
                    String host = "Host: " + to.getHostString() + ":" + to.getPort() + "\r\n\r\n";
                    up.write((forward + host).getBytes(StandardCharsets.ISO_8859_1));
                    up.write(body);
                    up.flush();
                    relayAnswer(new BufferedInputStream(upstream.getInputStream()), client.getOutputStream(), r);
                }
                return;
            }
            client.getOutputStream().write(("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException | RuntimeException lost) {
            // a side closed: the client sees its connection end, as through any proxy
        }
    }

    private void relayAnswer(InputStream from, OutputStream to, int replica) throws IOException {
        String head = readHead(from);
        if (head == null) {
            return;         // the replica died before answering: the client's connection ends
        }
        StringBuilder out = new StringBuilder();
        for (String line : head.split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("mcp-session-id:")) {
                sessions.put(line.substring(line.indexOf(':') + 1).strip(), replica);
            }
            if (!lower.startsWith("connection:")) {
                out.append(line).append("\r\n");
            }
        }
        out.append(SERVED_BY).append(": r").append(replica + 1).append("\r\nConnection: close\r\n\r\n");
        to.write(out.toString().getBytes(StandardCharsets.ISO_8859_1));
        to.flush();
        byte[] buffer = new byte[8192];
        for (int n; (n = from.read(buffer)) >= 0; ) {
            to.write(buffer, 0, n);
            to.flush();
        }
    }

    /** The head up to its blank line (without it), or null when the stream ended first. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int b; (b = in.read()) >= 0; ) {
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
            if (matched == 4) {
                String s = head.toString(StandardCharsets.ISO_8859_1);
                return s.substring(0, s.length() - 4);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        probes.shutdownNow();
        listener.close();
        threads.shutdownNow();
    }
}
