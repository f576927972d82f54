package dev.codexbridge.bench;

import dev.codexbridge.telemetry.CodexTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.TurnLimits;

/**
 * Stream throughput: one generated turn of {@code N} messages written by a feeder thread into an
 * OS pipe, consumed either by a bare driver ({@code BufferedReader.readLine} + Jackson
 * {@code readTree}, no logic — the practical limit) or by a {@link CodexSession} (peer, session,
 * approval bridge, projector). Rounds alternate the two so each ratio comes from the same minute
 * of a noisy machine. Run with {@code bin/bench stream [MESSAGES] [ROUNDS]}; {@code BENCH_TELEMETRY=1}
 * traces the library's turns through an OpenTelemetry SDK whose spans are built and then dropped
 * (the cost of tracing without the exporter's).
 */
public final class StreamBench {
    private static final CodexTelemetry TELEMETRY = "1".equals(System.getenv("BENCH_TELEMETRY")) ? CodexTelemetry.of(
            OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(
                    BatchSpanProcessor.builder(new SpanExporter() {
                        @Override
                        public CompletableResultCode export(Collection<SpanData> spans) {
                            return CompletableResultCode.ofSuccess();
                        }

                        @Override
                        public CompletableResultCode flush() {
                            return CompletableResultCode.ofSuccess();
                        }

                        @Override
                        public CompletableResultCode shutdown() {
                            return CompletableResultCode.ofSuccess();
                        }
                    }).build()).build()).build()) : null;
    private StreamBench() {
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        TurnStream stream = TurnStream.generate(count, 7);
        System.out.printf("stream: %d messages, %.1f MiB, telemetry %s%n", stream.messages, stream.bytes.length / 1048576.0,
                TELEMETRY == null ? "off" : "on");
        double[] bare = new double[rounds];
        double[] lib = new double[rounds];
        double[] ratio = new double[rounds];
        for (int warm = 0; warm < 2; warm++) {
            bare(stream);
            library(stream);
        }
        for (int r = 0; r < rounds; r++) {
            bare[r] = bare(stream);
            lib[r] = library(stream);
            ratio[r] = lib[r] / bare[r];
            System.out.printf("  round %d: bare %.0f msg/s, library %.0f msg/s, ratio %.2f%n", r + 1, bare[r], lib[r], ratio[r]);
        }
        Arrays.sort(bare);
        Arrays.sort(lib);
        Arrays.sort(ratio);
        System.out.printf("stream: median bare %.0f msg/s, library %.0f msg/s, library/bare %.2f (min %.2f, max %.2f)%n",
                bare[rounds / 2], lib[rounds / 2], ratio[rounds / 2], ratio[0], ratio[rounds - 1]);
    }

    /** Writes {@code bytes} into the pipe once {@code go} opens, noting the time it started in {@code startedAt}. */
    static Thread feeder(byte[] bytes, Pipe pipe, CountDownLatch go, AtomicLong startedAt) {
        Thread t = new Thread(() -> {
            try {
                go.await();
                startedAt.set(System.nanoTime());
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    pipe.sink().write(b);
                }
            } catch (IOException e) {
                // the reader went away; the measuring side reports it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bench-feeder");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static double bare(TurnStream stream) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        Pipe pipe = Pipe.open();
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong startedAt = new AtomicLong();
        Thread feeder = feeder(stream.bytes, pipe, go, startedAt);
        long lines = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(pipe.source()), StandardCharsets.UTF_8))) {
            go.countDown();
            String line;
            while (lines < stream.messages && (line = in.readLine()) != null) {
                mapper.readTree(line);
                lines++;
            }
        }
        long end = System.nanoTime();
        feeder.join();
        pipe.sink().close();
        return lines / ((end - startedAt.get()) / 1e9);
    }

    static double library(TurnStream stream) throws Exception {
        Pipe pipe = Pipe.open();
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong startedAt = new AtomicLong();
        Thread feeder = feeder(stream.bytes, pipe, go, startedAt);
        InlineCodex codex = new InlineCodex(Channels.newInputStream(pipe.source()), Channels.newOutputStream(pipe.sink()),
                turnId -> go.countDown());
        TurnResult result;
        long end;
        try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options()).cwd(Path.of("/work"))
                .telemetry(TELEMETRY)
                .approvals(ApprovalPolicy.builder().autoApproveCommands(true).build())
                .limits(TurnLimits.of(Duration.ofMinutes(5), Duration.ZERO)).build()) {
            s.start();
            result = s.runTurn(TurnInput.text("stream"));
            end = System.nanoTime();
        }
        feeder.join();
        if (result.status() != TurnOutcome.COMPLETED) {
            throw new IllegalStateException("turn ended " + result.status() + ": " + result.error());
        }
        if (result.messages().isEmpty()) {
            throw new IllegalStateException("the turn produced no transcript");
        }
        return stream.messages / ((end - startedAt.get()) / 1e9);
    }
}
