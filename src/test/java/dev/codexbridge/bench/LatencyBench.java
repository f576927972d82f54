package dev.codexbridge.bench;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.TurnLimits;

/**
 * Dispatch latency: a feeder writes one agent-message delta at a time into an OS pipe at a steady
 * rate (default 10,000/s), each carrying its {@code System.nanoTime()} of writing; the session's
 * listener records the time from write to {@code onAgentMessageDelta}. Run with
 * {@code bin/bench latency [RATE] [SECONDS]}.
 */
public final class LatencyBench {
    private LatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        int rate = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int warmup = rate * 2;
        int total = rate * seconds + warmup;
        long[] latency = new long[total];
        int[] seen = {0};
        Pipe pipe = Pipe.open();
        CountDownLatch go = new CountDownLatch(1);
        Thread feeder = new Thread(() -> feed(pipe, go, rate, total), "bench-feeder");
        feeder.setDaemon(true);
        feeder.start();
        InlineCodex codex = new InlineCodex(Channels.newInputStream(pipe.source()), Channels.newOutputStream(pipe.sink()),
                turnId -> go.countDown());
        TurnListener listener = new TurnListener() {
            @Override
            public void onAgentMessageDelta(String itemId, String delta) {
                long now = System.nanoTime();
                if (seen[0] < total) {
                    latency[seen[0]++] = now - Long.parseLong(delta);
                }
            }
        };
        TurnResult r;
        try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options()).cwd(Path.of("/work"))
                .approvals(ApprovalPolicy.builder().build()).limits(TurnLimits.of(Duration.ofMinutes(5), Duration.ZERO)).build()) {
            s.start();
            r = s.runTurn(TurnInput.text("latency"), TurnOptions.DEFAULTS, listener);
        }
        feeder.join();
        if (seen[0] != total) {
            throw new IllegalStateException("saw " + seen[0] + " of " + total + " deltas; turn " + r.status());
        }
        long[] measured = Arrays.copyOfRange(latency, warmup, total);
        Arrays.sort(measured);
        System.out.printf("latency at %d msg/s over %d s (%d messages after %d warm-up): p50 %.1f us, p90 %.1f us, p99 %.1f us, "
                        + "p99.9 %.1f us, max %.1f us%n", rate, seconds, measured.length, warmup,
                pct(measured, 50), pct(measured, 90), pct(measured, 99), pct(measured, 99.9), measured[measured.length - 1] / 1e3);
    }

    private static double pct(long[] sorted, double p) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(p / 100 * (sorted.length - 1)))] / 1e3;
    }

    private static void feed(Pipe pipe, CountDownLatch go, int rate, int total) {
        long period = 1_000_000_000L / rate;
        try {
            go.await();
            long next = System.nanoTime();
            for (int i = 0; i < total; i++) {
                next += period;
                long wait;
                while ((wait = next - System.nanoTime()) > 0) {
                    if (wait > 60_000) {
                        LockSupport.parkNanos(wait - 50_000);
                    } else {
                        Thread.onSpinWait();
                    }
                }
                String line = "{\"method\":\"item/agentMessage/delta\",\"params\":{\"threadId\":\"thread-1\",\"turnId\":\"turn-1\","
                        + "\"itemId\":\"msg-1\",\"delta\":\"" + System.nanoTime() + "\"}}\n";
                ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    pipe.sink().write(b);
                }
            }
            String done = "{\"method\":\"turn/completed\",\"params\":{\"threadId\":\"thread-1\",\"turn\":{\"id\":\"turn-1\","
                    + "\"status\":\"completed\",\"error\":null}}}\n";
            pipe.sink().write(ByteBuffer.wrap(done.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            // the session went away; main reports the shortfall
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
