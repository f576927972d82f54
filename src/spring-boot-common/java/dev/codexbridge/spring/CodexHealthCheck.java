package dev.codexbridge.spring;

import dev.codexbridge.callers.Readiness;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.protocol.InitializeResponse;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantStop;
import dev.codexbridge.tenant.TenantUsage;
import dev.codexbridge.pool.EndpointState;
import dev.codexbridge.transport.CodexEndpoint;
import dev.codexbridge.transport.EndpointStatus;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What {@code /actuator/health/codex} reports, worked out without Spring Boot's health types
 * (they moved from Actuator to {@code spring-boot-health} in Spring Boot 4): each starter's
 * indicator only copies the verdict and details into its own generation's {@code Health}.
 */
final class CodexHealthCheck {
    /** A ready connection answers at once; longer means a reconnect is under way. */
    private static final Duration READY_WAIT = Duration.ofMillis(500);

    /** UP or DOWN, with the details in the order they are shown. */
    record Verdict(boolean up, Map<String, Object> details) {
        Verdict {
            details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
        }
    }

    private CodexHealthCheck() {
    }

    /**
     * The client: UP while its connection is open and past its handshake (and, for a running
     * app-server, its {@code /readyz} answers ready); DOWN while it is lost (reconnecting, with
     * the attempt's generation) or for good. Details: connection generation, reconnects, threads
     * attached and the cap, whether codex is the application's own process or an app-server, the
     * codex version its {@code initialize} answer gave and, when that is newer than the pinned
     * one, the version codex-bridge was tested on ({@code codexTestedOn}, docs/compatibility.md).
     * Details are state only: no endpoint URL, token file or failure text, since Actuator shows
     * them to anonymous callers under {@code show-details=always}; the application's log has the rest.
     */
    static Verdict client(CodexClient client, Duration readinessTimeout) {
        CodexEndpoint endpoint = client.options().endpoint();
        int generation = client.generation();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("codex", endpoint == null ? "own process" : "app-server");
        InitializeResponse info = client.serverInfo();
        CodexVersion.fromUserAgent(info == null ? null : info.userAgent()).ifPresent(v -> {
            d.put("codexVersion", v.toString());
            if (v.compareTo(CodexVersion.PINNED) > 0) {
                d.put("codexTestedOn", CodexVersion.PINNED.toString());
            }
        });
        d.put("generation", generation);
        d.put("reconnects", Math.max(0, generation - 1));
        d.put("threads", client.attachedThreads());
        d.put("maxThreads", client.maxThreads());
        if (client.closedFuture().isDone()) {
            d.put("state", "closed");
            return new Verdict(false, d);
        }
        // open is not enough: a restarted codex's connection is open before it answered initialize
        if (!client.isOpen() || !ready(client)) {
            d.put("state", client.options().reconnect() != null ? "reconnecting" : "lost");
            return new Verdict(false, d);
        }
        if (endpoint != null) {
            EndpointStatus ready = endpoint.readiness(readinessTimeout);
            d.put("readyz", ready.ok() ? "ready" : ready.httpStatus() > 0 ? "HTTP " + ready.httpStatus() : "unreachable");
            if (!ready.ok()) {
                d.put("state", "connected, not ready");
                return new Verdict(false, d);
            }
        }
        d.put("state", "connected");
        return new Verdict(true, d);
    }

    /**
     * One endpoint of a pool, by name: UP when the pool's last {@code /readyz} probe answered
     * ready and its connection, if any, is open; empty when the pool has no such endpoint.
     * Details are state only (no endpoint URL or failure text: Actuator may show them to anyone).
     */
    static Optional<Verdict> poolEndpoint(CodexPool pool, String name) {
        return pool.endpoints().stream().filter(e -> e.name().equals(name)).findFirst().map(s -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("connected", s.connected());
            d.put("threads", s.threads());
            d.put("maxThreads", s.maxThreads());
            if (s.lastProbe() != null) {
                d.put("lastProbe", s.lastProbe().toString());
            }
            return new Verdict(s.healthy(), d);
        });
    }

    /**
     * The tenants: UP unless the last attempt to open a tenant's session failed because codex could
     * not be started or reached (a missing binary, a codex that will not start, no bubblewrap), until
     * a session opens again. A tenant codex that died is not DOWN: its connection starts it again
     * (codex-bridge.reconnect.*) and resumes its threads, or its next session does; the details count
     * those. Details are counts only: tenants seen, tenants with a running codex, processes, open
     * threads, processes started and stopped by reason, refusals at a cap, reconnects of the open
     * sessions' connections and how many are reconnecting now.
     */
    static Verdict tenants(CodexTenants tenants, TenantCounts counts, CodexSessions sessions) {
        Map<String, Object> d = new LinkedHashMap<>();
        List<TenantUsage> usage = tenants.usage();
        d.put("tenants", usage.size());
        d.put("tenantsRunning", usage.stream().filter(u -> u.processes() > 0).count());
        d.put("processes", tenants.processes());
        d.put("threads", usage.stream().mapToInt(TenantUsage::threads).sum());
        d.put("processesStarted", counts.started());
        Map<String, Object> stopped = new LinkedHashMap<>();
        for (TenantStop why : TenantStop.values()) {
            stopped.put(why.name().toLowerCase(java.util.Locale.ROOT), counts.stopped(why));
        }
        d.put("processesStopped", stopped);
        d.put("refusedAtCap", counts.refused());
        // a tenant's codex that died is restarted by its connection (codex-bridge.reconnect.*): counted here
        List<CodexClient> connections = sessions.openSessions().stream().map(CodexSession::client).filter(java.util.Objects::nonNull)
                .distinct().toList();
        d.put("reconnects", connections.stream().mapToInt(c -> Math.max(0, c.generation() - 1)).sum());
        d.put("reconnecting", connections.stream().filter(c -> !c.isOpen() && !c.closedFuture().isDone()).count());
        boolean up = sessions.unavailable() == null;
        d.put("state", up ? "ready" : "codex unavailable (see the application's log)");
        return new Verdict(up, d);
    }

    /** The names of the pool's endpoints, in the pool's order. */
    static List<String> poolEndpointNames(CodexPool pool) {
        return pool.endpoints().stream().map(EndpointState::name).toList();
    }

    /** Whether the connection has finished its handshake; a check waits at most {@link #READY_WAIT} for it. */
    private static boolean ready(CodexClient client) {
        try {
            client.whenReady().get(READY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The conversation store: UP while it answers its cheapest question ({@link ConversationStore#ping}:
     * {@code SELECT 1} on PostgreSQL; on disk, its folder still there, writable and with room) within
     * {@link Readiness#PROBE_BOUND}, DOWN when it fails or keeps silent. The answer is kept a second,
     * and one check runs at a time (a hung database holds one thread, not one per request), so the
     * indicator answers within the bound whatever the store's pool waits. Details: which store, its
     * state and, when DOWN, whether it kept silent or failed; never its error text (a host name, a
     * path), which the log has.
     */
    static Verdict store(ConversationStore store, Readiness readiness) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("store", store instanceof DiskConversationStore ? "disk"
                : store.getClass().getName().equals(PostgresStores.STORE) ? "postgresql" : store.getClass().getSimpleName());
        Readiness.Answer answer = readiness.now();
        d.put("state", answer.ready() ? "answering" : "unavailable");
        if (!answer.ready()) {
            d.put("reason", answer.storeSilent() ? "the store did not answer within " + Readiness.PROBE_BOUND.toSeconds() + " s"
                    : "the store's check failed (the application's log says why)");
        }
        return new Verdict(answer.ready(), d);
    }
}
