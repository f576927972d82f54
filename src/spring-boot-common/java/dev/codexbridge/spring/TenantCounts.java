package dev.codexbridge.spring;

import dev.codexbridge.tenant.TenantCapacityException;
import dev.codexbridge.tenant.TenantListener;
import dev.codexbridge.tenant.TenantStop;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The tenants' process events counted for health and meters. Not a {@link TenantListener} bean
 * itself ({@link #listener} makes the one the tenants get), so the application's own listener bean
 * is found without ambiguity and still hears every event.
 */
final class TenantCounts {
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final Map<TenantStop, AtomicLong> stopped = new EnumMap<>(TenantStop.class);

    TenantCounts() {
        for (TenantStop why : TenantStop.values()) {
            stopped.put(why, new AtomicLong());
        }
    }

    /** A listener that counts, then tells {@code next} (the application's, or null). Counting only: returns at once. */
    TenantListener listener(TenantListener next) {
        TenantListener then = next == null ? new TenantListener() { } : next;
        return new TenantListener() {
            @Override
            public void processStarted(String tenantId, Duration took) {
                started.incrementAndGet();
                then.processStarted(tenantId, took);
            }

            @Override
            public void processStopped(String tenantId, TenantStop why) {
                stopped.get(why).incrementAndGet();
                then.processStopped(tenantId, why);
            }

            @Override
            public void refused(TenantCapacityException refusal) {
                refused.incrementAndGet();
                then.refused(refusal);
            }

            @Override
            public void homePrepared(String tenantId, Duration took) {
                then.homePrepared(tenantId, took);
            }
        };
    }

    long started() {
        return started.get();
    }

    long refused() {
        return refused.get();
    }

    long stopped(TenantStop why) {
        return stopped.get(why).get();
    }
}
