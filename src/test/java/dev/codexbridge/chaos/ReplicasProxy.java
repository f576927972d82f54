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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load balancer in front of the replicas ({@code bin/bench chaos --replicas}): one HTTP/1.1
 * request per connection, each sent to the next replica in turn ({@code roundRobin}), or, for MCP,
 * to the replica that answered the {@code initialize} whose {@code Mcp-Session-Id} the request
 * carries (docs/mcp.md, "Replicas"). A replica that refuses the connection is skipped, as a
 * proxy's passive health check does; a session whose replica refuses goes to the next one (which
 * answers 404, and the client opens a new session). The answer streams back as it comes (SSE
 * included) with an {@code X-Chaos-Replica} header naming the replica that served it.
 */
final class ReplicasProxy implements AutoCloseable {
    static final String SERVED_BY = "X-Chaos-Replica";
    private static final int CONNECT_MS = 1000;

    private final List<InetSocketAddress> replicas;
    private final ServerSocket listener;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "replicas-proxy");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger next = new AtomicInteger();
    private final Map<String, Integer> sessions = new ConcurrentHashMap<>();

    ReplicasProxy(List<InetSocketAddress> replicas) throws IOException {
        this.replicas = replicas;
        this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
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
        listener.close();
        threads.shutdownNow();
    }
}
