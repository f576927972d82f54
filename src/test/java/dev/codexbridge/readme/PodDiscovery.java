package dev.codexbridge.readme;

// docs/deploy/README.md#discovery:BEGIN
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.pool.EndpointState;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a pool's endpoints in step with the ready pods behind the headless Service
 * codex-app-server: its DNS name is resolved every interval, a new address joins the pool and an
 * address gone leaves it (drained; its connection closes once no session holds a thread there).
 */
public final class PodDiscovery implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PodDiscovery.class);

    private final CodexPool pool;
    private final String service;
    private final int port;
    private final Path tokenFile;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pod-discovery");
        t.setDaemon(true);
        return t;
    });

    /** service: codex-app-server.NAMESPACE.svc.cluster.local; port: 4500. */
    public PodDiscovery(CodexPool pool, String service, int port, Path tokenFile, Duration every) {
        this.pool = pool;
        this.service = service;
        this.port = port;
        this.tokenFile = tokenFile;
        timer.scheduleWithFixedDelay(this::refreshQuietly, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** "IP:port" of every ready pod; the Service lists no pod that fails its readiness probe. */
    public static Set<String> resolve(String service, int port) throws UnknownHostException {
        Set<String> addresses = new TreeSet<>();
        for (InetAddress a : InetAddress.getAllByName(service)) {
            String ip = a.getHostAddress();
            addresses.add((a instanceof Inet6Address ? "[" + ip + "]" : ip) + ":" + port);
        }
        return addresses;
    }

    /** Adds the pods that came, removes the ones that went (one round at a time). */
    public synchronized void refresh() throws UnknownHostException {
        Set<String> ready = resolve(service, port);
        Set<String> known = new TreeSet<>();
        for (EndpointState e : pool.endpoints()) {
            known.add(e.name());
        }
        for (String address : ready) {
            if (!known.contains(address)) {
                pool.addEndpoint(address, PoolHost.endpoint(address, tokenFile));
            }
        }
        for (String address : known) {
            if (!ready.contains(address)) {
                pool.removeEndpoint(address);
            }
        }
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (UnknownHostException e) {
            // no pod is ready, or DNS did not answer: keep the endpoints the pool has
            LOG.warn("{} did not resolve: the pool keeps its endpoints", service);
        } catch (RuntimeException e) {
            LOG.warn("pod discovery failed; trying again next round", e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
// docs/deploy/README.md#discovery:END
