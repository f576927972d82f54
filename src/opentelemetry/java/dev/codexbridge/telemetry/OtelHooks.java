package dev.codexbridge.telemetry;

import dev.codexbridge.observe.ClientTelemetry;
import dev.codexbridge.observe.ReconnectTelemetry;
import dev.codexbridge.observe.TelemetryHooks;
import dev.codexbridge.observe.TurnTelemetry;
import dev.codexbridge.store.spi.LeaseCounts;
import dev.codexbridge.store.spi.OutageGate;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongCounter;
import io.opentelemetry.api.metrics.ObservableLongUpDownCounter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The OpenTelemetry side of {@link TelemetryHooks}: the tracer, the meter and its instruments
 * (made once per {@link CodexTelemetry}), and the W3C trace context codex reads (W3C whatever
 * propagators the host configured: it is what codex parses).
 */
final class OtelHooks implements TelemetryHooks {
    static final String SCOPE = "dev.codexbridge";
    static final String PROVIDER = "openai";
    static final String AGENT = "codex";

    /** The GenAI conventions' advised buckets for operation duration, in seconds. */
    private static final List<Double> DURATION_BUCKETS = List.of(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12,
            10.24, 20.48, 40.96, 81.92);
    /** The GenAI conventions' advised buckets for token counts. */
    private static final List<Long> TOKEN_BUCKETS = List.of(1L, 4L, 16L, 64L, 256L, 1024L, 4096L, 16384L, 65536L, 262144L,
            1048576L, 4194304L, 16777216L, 67108864L);

    final Tracer tracer;
    final boolean captureContent;
    final LongHistogram tokenUsage;
    final DoubleHistogram operationDuration;
    final LongCounter turns;
    final LongCounter approvals;
    final DoubleHistogram approvalWait;
    final DoubleHistogram rateLimitWait;
    final LongCounter toolCalls;
    final DoubleHistogram reconnectDuration;
    private final Meter meter;
    /** Numbers the clients observed, for the {@code codex_bridge.client} attribute. */
    private static final AtomicInteger CLIENTS = new AtomicInteger();
    private static final AttributeKey<String> CLIENT = GenAiAttributes.CLIENT;

    private OtelHooks(OpenTelemetry otel, boolean captureContent) {
        this.captureContent = captureContent;
        String version = OtelHooks.class.getPackage().getImplementationVersion();
        this.tracer = version == null ? otel.getTracer(SCOPE) : otel.getTracer(SCOPE, version);
        Meter meter = version == null ? otel.getMeter(SCOPE) : otel.meterBuilder(SCOPE).setInstrumentationVersion(version).build();
        this.meter = meter;
        this.tokenUsage = meter.histogramBuilder("gen_ai.client.token.usage").ofLongs().setUnit("{token}")
                .setDescription("Tokens used per turn, by gen_ai.token.type").setExplicitBucketBoundariesAdvice(TOKEN_BUCKETS).build();
        this.operationDuration = meter.histogramBuilder("gen_ai.client.operation.duration").setUnit("s")
                .setDescription("How long a turn took, start to result").setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build();
        this.turns = meter.counterBuilder("codex_bridge.turns").setUnit("{turn}")
                .setDescription("Turns ended, by status and error.type").build();
        this.toolCalls = meter.counterBuilder("codex_bridge.tool.calls").setUnit("{call}")
                .setDescription("Tool-shaped items completed, by tool name and status").build();
        this.approvals = meter.counterBuilder("codex_bridge.approvals").setUnit("{request}")
                .setDescription("Approval requests answered or withdrawn, by kind and decision").build();
        this.approvalWait = meter.histogramBuilder("codex_bridge.approval.wait").setUnit("s")
                .setDescription("How long an approval request waited for its answer").setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build();
        this.rateLimitWait = meter.histogramBuilder("codex_bridge.rate_limit.wait").setUnit("s")
                .setDescription("How long a turn waited for a rate limit before an attempt").build();
        this.reconnectDuration = meter.histogramBuilder("codex_bridge.client.reconnect.duration").setUnit("s")
                .setDescription("From a lost connection to the end of the resumes after it, or to giving up")
                .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build();
    }

    static TelemetryHooks create(OpenTelemetry otel, boolean captureContent) {
        return new OtelHooks(otel, captureContent);
    }

    /**
     * Written by hand rather than with {@code W3CTraceContextPropagator}: that one sets the
     * Level 2 "random" flag ({@code -03}), and codex 0.169.0 then ignores the whole context (its
     * spans start a trace of their own, measured). Only the sampled flag is sent.
     */
    @Override
    public TraceContext currentTraceContext() {
        SpanContext span = Span.current().getSpanContext();
        if (!span.isValid()) {
            return null;
        }
        String parent = "00-" + span.getTraceId() + "-" + span.getSpanId() + (span.isSampled() ? "-01" : "-00");
        TraceState state = span.getTraceState();
        if (state.isEmpty()) {
            return new TraceContext(parent, null);
        }
        StringBuilder b = new StringBuilder();
        state.forEach((key, value) -> b.append(b.length() == 0 ? "" : ",").append(key).append('=').append(value));
        return new TraceContext(parent, b.toString());
    }

    @Override
    public TurnTelemetry startTurn(TurnStartInfo turn) {
        return new OtelTurn(this, turn);
    }

    @Override
    public ClientTelemetry observeClient(IntSupplier attachedThreads, IntSupplier reconnects) {
        return observeClient(attachedThreads, reconnects, () -> 0);
    }

    @Override
    public ClientTelemetry observeClient(IntSupplier attachedThreads, IntSupplier reconnects, IntSupplier recycles) {
        Attributes client = Attributes.of(CLIENT, Integer.toString(CLIENTS.incrementAndGet()));
        ObservableLongUpDownCounter threads = meter.upDownCounterBuilder("codex_bridge.client.threads").setUnit("{thread}")
                .setDescription("Threads attached on a client's connection (one per open session)")
                .buildWithCallback(m -> m.record(attachedThreads.getAsInt(), client));
        ObservableLongCounter reconnected = meter.counterBuilder("codex_bridge.client.reconnects").setUnit("{reconnect}")
                .setDescription("Times a client's connection was reopened")
                .buildWithCallback(m -> m.record(reconnects.getAsInt(), client));
        ObservableLongCounter recycled = meter.counterBuilder("codex_bridge.client.recycles").setUnit("{recycle}")
                .setDescription("Times a client started its codex again by its launch's recycle bound")
                .buildWithCallback(m -> m.record(recycles.getAsInt(), client));
        return new ClientTelemetry() {
            @Override
            public ReconnectTelemetry reconnecting(int lostConnection, Throwable cause) {
                return new OtelReconnect(OtelHooks.this, client, lostConnection, cause);
            }

            @Override
            public void close() {
                threads.close();
                reconnected.close();
                recycled.close();
            }
        };
    }

    @Override
    public AutoCloseable observePool(Supplier<List<EndpointHealth>> endpoints) {
        AutoCloseable up = meter.gaugeBuilder("codex_bridge.pool.endpoint.up").ofLongs().setUnit("1")
                .setDescription("1 while a pool endpoint takes sessions (its last probe answered ready), else 0")
                .buildWithCallback(m -> {
                    for (EndpointHealth e : endpoints.get()) {
                        m.record(e.up() ? 1 : 0, Attributes.of(GenAiAttributes.POOL_ENDPOINT, e.name()));
                    }
                });
        AutoCloseable threads = meter.upDownCounterBuilder("codex_bridge.pool.endpoint.threads").setUnit("{thread}")
                .setDescription("Threads attached on a pool endpoint's connection")
                .buildWithCallback(m -> {
                    for (EndpointHealth e : endpoints.get()) {
                        m.record(e.threads(), Attributes.of(GenAiAttributes.POOL_ENDPOINT, e.name()));
                    }
                });
        return () -> {
            up.close();
            threads.close();
        };
    }

    /** The store's outage gate as instruments, read when metrics are collected; closing removes them. */
    AutoCloseable observeStore(OutageGate gate) {
        AutoCloseable down = meter.gaugeBuilder("codex_bridge.store.down").ofLongs().setUnit("1")
                .setDescription("1 while the conversation store's database does not answer, else 0")
                .buildWithCallback(m -> m.record(gate.down() ? 1 : 0));
        AutoCloseable outages = meter.counterBuilder("codex_bridge.store.outages").setUnit("{outage}")
                .setDescription("Times the conversation store's database stopped answering")
                .buildWithCallback(m -> m.record(gate.outages()));
        AutoCloseable refused = meter.counterBuilder("codex_bridge.store.refused").setUnit("{call}")
                .setDescription("Store calls refused at once while its database did not answer")
                .buildWithCallback(m -> m.record(gate.refused()));
        return () -> {
            down.close();
            outages.close();
            refused.close();
        };
    }

    /** What a store's leases went through ({@link LeaseCounts}): one counter per kind of event, tagged {@code event}. */
    AutoCloseable observeLeases(LeaseCounts counts) {
        AttributeKey<String> event = AttributeKey.stringKey("event");
        return meter.counterBuilder("codex_bridge.store.leases").setUnit("{lease}")
                .setDescription("Conversation leases refused (held elsewhere), asked for, handed over on request, taken over after a lapse; "
                        + "asks and releases heard as they were made")
                .buildWithCallback(m -> {
                    m.record(counts.refused(), Attributes.of(event, "refused"));
                    m.record(counts.asked(), Attributes.of(event, "asked"));
                    m.record(counts.handedOver(), Attributes.of(event, "handed_over"));
                    m.record(counts.takenOver(), Attributes.of(event, "taken_over"));
                    m.record(counts.asksHeard(), Attributes.of(event, "ask_heard"));
                    m.record(counts.releasesHeard(), Attributes.of(event, "release_heard"));
                });
    }

    /** The attributes every metric of a turn carries. */
    static Attributes baseAttributes(String model) {
        return model == null
                ? Attributes.of(GenAiAttributes.OPERATION_NAME, "invoke_agent", GenAiAttributes.PROVIDER_NAME, PROVIDER)
                : Attributes.of(GenAiAttributes.OPERATION_NAME, "invoke_agent", GenAiAttributes.PROVIDER_NAME, PROVIDER,
                        GenAiAttributes.REQUEST_MODEL, model);
    }
}
