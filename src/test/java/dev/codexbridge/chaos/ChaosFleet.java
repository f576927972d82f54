package dev.codexbridge.chaos;

import dev.codexbridge.support.FaultProxy;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.transport.CodexEndpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The app-servers of a run across a pool: each a real codex ({@code --listen ws://}) on a home of
 * its own, behind a {@link FaultProxy} of its own whose port is the endpoint the host knows. A
 * wipe kills one with SIGKILL, deletes its home and starts it again on a fresh empty home behind
 * the same proxy: to the host, the same endpoint, with nothing on its disk.
 */
final class ChaosFleet implements AutoCloseable {
    private final Path binary;
    private final Path dir;
    private final Path work;
    private final URI modelUrl;
    private final ChaosLog timeline;
    private final ListeningAppServer[] servers;
    private final FaultProxy[] proxies;
    private final int[] homes;

    ChaosFleet(Path binary, Path dir, Path work, URI modelUrl, int size, ChaosLog timeline) throws IOException {
        this.binary = binary;
        this.dir = dir;
        this.work = work;
        this.modelUrl = modelUrl;
        this.timeline = timeline;
        this.servers = new ListeningAppServer[size];
        this.proxies = new FaultProxy[size];
        this.homes = new int[size];
        for (int i = 0; i < size; i++) {
            servers[i] = ListeningAppServer.websocket(binary, home(i), work, List.of());
            proxies[i] = FaultProxy.tcp(servers[i].uri().getHost(), servers[i].uri().getPort());
        }
    }

    int size() {
        return servers.length;
    }

    FaultProxy proxy(int i) {
        return proxies[i];
    }

    /** The endpoints as the host reaches them: through the proxies, comma-separated. */
    String hostEndpoints() {
        List<String> uris = new ArrayList<>();
        for (FaultProxy p : proxies) {
            uris.add("ws://127.0.0.1:" + p.port());
        }
        return String.join(",", uris);
    }

    /** App-server {@code i} reached directly (the run's own reads, past the faults); it changes with each wipe. */
    synchronized CodexEndpoint direct(int i) {
        return servers[i].endpoint();
    }

    /** SIGKILL, its home deleted, and a start on a fresh empty home behind the same proxy. */
    synchronized void wipe(int i) {
        servers[i].kill();
        ChaosRun.deleteTree(dir.resolve("home-" + i + "-" + homes[i]));
        timeline.write(ChaosLog.event("codex-wiped").put("endpoint", ChaosPoolHost.endpointName(i)).put("home", homes[i]));
        homes[i]++;
        servers[i] = ListeningAppServer.websocket(binary, home(i), work, List.of());
        proxies[i].retarget(servers[i].uri().getHost(), servers[i].uri().getPort());
        timeline.write(ChaosLog.event("codex-started").put("endpoint", ChaosPoolHost.endpointName(i)).put("uri", servers[i].uri().toString()));
    }

    private Path home(int i) {
        return IsolatedCodexHome.builder(dir.resolve("home-" + i + "-" + homes[i]), modelUrl).approvalPolicy("on-request").write();
    }

    void restoreProxies() {
        for (FaultProxy p : proxies) {
            p.restore();
        }
    }

    @Override
    public synchronized void close() {
        for (int i = 0; i < servers.length; i++) {
            servers[i].close();
            try {
                proxies[i].close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
