package dev.codexbridge.spring;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantStop;
import dev.codexbridge.tenant.TenantUsage;
import dev.codexbridge.pool.EndpointState;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.spi.LeaseCounts;
import dev.codexbridge.store.spi.OutageGate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for a host without OpenTelemetry metrics (decision 0027): the connection's
 * state read when the registry is scraped (nothing is recorded on the turn's path), and turns
 * counted by codex's final status from its {@code turn/completed} notifications. Named apart from
 * the library's OpenTelemetry instruments ({@code codex_bridge.*}) so a host exporting both sees
 * no duplicates.
 *
 * <ul>
 *   <li>{@code codex.bridge.connection.up} (1 or 0), {@code codex.bridge.connection.threads},
 *       {@code codex.bridge.connection.threads.max}, tag {@code connection} ({@code client} or
 *       the pool endpoint's name);</li>
 *   <li>{@code codex.bridge.connection.reconnects} (client only): reconnects so far;</li>
 *   <li>{@code codex.bridge.turns.completed}, tag {@code status}: turns codex completed on the
 *       client, or on the pool connections sessions were opened on;</li>
 *   <li>{@code codex.bridge.turns}, tag {@code outcome} ({@code TurnOutcome}'s wire name): every
 *       turn of a session the application opened through {@link CodexSessions} (or its gateway), as
 *       the host got it, lost, never-received and unknown ones included; on a client, a pool and
 *       tenants alike;</li>
 *   <li>the conversation store, when its database is behind an outage gate (PostgreSQL):
 *       {@code codex.bridge.store.down} (1 while it does not answer), {@code codex.bridge.store.outages}
 *       and {@code codex.bridge.store.refused} (calls refused at once meanwhile; decision 0099);</li>
 *   <li>the conversation store's leases ({@code codex.bridge.store.leases}, tag {@code event}:
 *       {@code refused} — held by another instance, {@code asked} — asked of it,
 *       {@code handed_over} — let go because another asked, {@code taken_over} — a lapsed lease
 *       never given back taken, a failover; decision 0105; {@code ask_heard} — another's ask heard at
 *       once, {@code release_heard} — a release waited for heard at once, PostgreSQL; decision 0118);</li>
 *   <li>tenants: {@code codex.bridge.tenants.processes}, {@code codex.bridge.tenants.threads},
 *       {@code codex.bridge.tenants.processes.started}, {@code codex.bridge.tenants.processes.stopped}
 *       (tag {@code reason}: idle, evicted, died, closed) and {@code codex.bridge.tenants.refused}.</li>
 * </ul>
 */
public final class CodexMeterBinder implements MeterBinder {
    private final CodexSessions sessions;
    private final CodexClient client;
    private final CodexPool pool;

    private final TenantCounts tenantCounts;

    CodexMeterBinder(CodexSessions sessions) {
        this(sessions, null);
    }

    CodexMeterBinder(CodexSessions sessions, TenantCounts tenantCounts) {
        this.sessions = sessions;
        this.client = sessions.client();
        this.pool = sessions.pool();
        this.tenantCounts = tenantCounts;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        sessions.onTurnCompleted(done -> {
            if (done.turn() != null && done.turn().status() != null) {
                Counter.builder("codex.bridge.turns.completed").description("turns codex completed, by status")
                        .tag("status", done.turn().status().wire()).register(registry).increment();
            }
        });
        sessions.onTurnEnded(r -> Counter.builder("codex.bridge.turns").description("turns as the host got them, by outcome")
                .tag("outcome", r.status().wire()).register(registry).increment());
        ConversationStorage storage = sessions.storage();
        OutageGate gate = storage == null ? null : storage.store().outageGate().orElse(null);
        if (gate != null) {
            gauge(registry, "codex.bridge.store.down", "1 while the conversation store's database does not answer", Tags.empty(), gate,
                    g -> g.down() ? 1 : 0);
            FunctionCounter.builder("codex.bridge.store.outages", gate, OutageGate::outages)
                    .description("times the conversation store's database stopped answering").register(registry);
            FunctionCounter.builder("codex.bridge.store.refused", gate, OutageGate::refused)
                    .description("store calls refused at once while its database did not answer").register(registry);
        }
        LeaseCounts leases = storage == null ? null : storage.store().leaseCounts().orElse(null);
        if (leases != null) {
            leaseCounter(registry, leases, "refused", "leases refused because another instance held the conversation", LeaseCounts::refused);
            leaseCounter(registry, leases, "asked", "conversations asked of the instance holding them", LeaseCounts::asked);
            leaseCounter(registry, leases, "handed_over", "conversations let go because another instance asked", LeaseCounts::handedOver);
            leaseCounter(registry, leases, "taken_over", "leases taken over a lapsed one never given back (a failover)", LeaseCounts::takenOver);
            leaseCounter(registry, leases, "ask_heard", "another instance's asks heard as they were made", LeaseCounts::asksHeard);
            leaseCounter(registry, leases, "release_heard", "releases waited for heard as they were made", LeaseCounts::releasesHeard);
        }
        CodexTenants tenants = sessions.tenants();
        if (tenants != null) {
            gauge(registry, "codex.bridge.tenants.processes", "tenants' running codex processes", Tags.empty(), tenants,
                    CodexTenants::processes);
            gauge(registry, "codex.bridge.tenants.threads", "tenants' open threads", Tags.empty(), tenants,
                    t -> t.usage().stream().mapToInt(TenantUsage::threads).sum());
            if (tenantCounts != null) {
                TenantCounts counts = tenantCounts;
                FunctionCounter.builder("codex.bridge.tenants.processes.started", counts, TenantCounts::started)
                        .description("tenant codex processes started").register(registry);
                FunctionCounter.builder("codex.bridge.tenants.refused", counts, TenantCounts::refused)
                        .description("tenant sessions refused at a cap").register(registry);
                for (TenantStop why : TenantStop.values()) {
                    FunctionCounter.builder("codex.bridge.tenants.processes.stopped", counts, c -> c.stopped(why))
                            .description("tenant codex processes stopped, by reason")
                            .tag("reason", why.name().toLowerCase(java.util.Locale.ROOT)).register(registry);
                }
            }
            return;
        }
        if (client != null) {
            Tags tags = Tags.of("connection", "client");
            gauge(registry, "codex.bridge.connection.up", "1 while the connection to codex is open", tags, client, c -> c.isOpen() ? 1 : 0);
            gauge(registry, "codex.bridge.connection.threads", "threads attached on the connection", tags, client, CodexClient::attachedThreads);
            gauge(registry, "codex.bridge.connection.threads.max", "the most threads the connection takes", tags, client, CodexClient::maxThreads);
            FunctionCounter.builder("codex.bridge.connection.reconnects", client, c -> Math.max(0, c.generation() - 1))
                    .description("connections reopened after one was lost").tags(tags).register(registry);
        } else {
            for (EndpointState e : pool.endpoints()) {
                String name = e.name();
                Tags tags = Tags.of("connection", name);
                gauge(registry, "codex.bridge.connection.up", "1 while the endpoint is healthy", tags, pool, p -> state(p, name).healthy() ? 1 : 0);
                gauge(registry, "codex.bridge.connection.threads", "threads the pool placed on the endpoint", tags, pool, p -> state(p, name).threads());
                gauge(registry, "codex.bridge.connection.threads.max", "the most threads the pool places there", tags, pool, p -> state(p, name).maxThreads());
            }
        }
    }

    private static void leaseCounter(MeterRegistry registry, LeaseCounts leases, String event, String description,
                                     ToDoubleFunction<LeaseCounts> value) {
        FunctionCounter.builder("codex.bridge.store.leases", leases, value).description(description).tag("event", event).register(registry);
    }

    private static <T> void gauge(MeterRegistry registry, String name, String description, Tags tags, T source, ToDoubleFunction<T> value) {
        Gauge.builder(name, source, value).description(description).tags(tags).register(registry);
    }

    private static EndpointState state(CodexPool pool, String name) {
        return pool.endpoints().stream().filter(e -> e.name().equals(name)).findFirst()
                .orElse(new EndpointState(name, null, false, false, 0, 0, null, "gone", false));
    }
}
