package dev.codexbridge.bench;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transcript.TranscriptMessage;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
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
 * One command item whose {@code aggregatedOutput} is 64 MiB, through an OS pipe into a session, in
 * a JVM limited to 512 MiB: it must finish, and the heap it needs beyond the baseline is reported
 * against the line size. Run with {@code bin/bench bigline [MIB]}.
 */
public final class BigLineBench {
    private BigLineBench() {
    }

    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        byte[] stream = stream(mib);
        long lineBytes = stream.length;
        Pipe pipe = Pipe.open();
        CountDownLatch go = new CountDownLatch(1);
        Thread feeder = StreamBench.feeder(stream, pipe, go, new AtomicLong());
        InlineCodex codex = new InlineCodex(Channels.newInputStream(pipe.source()), Channels.newOutputStream(pipe.sink()),
                turnId -> go.countDown());
        try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options()).cwd(Path.of("/work"))
                .approvals(ApprovalPolicy.builder().build()).limits(TurnLimits.of(Duration.ofMinutes(5), Duration.ZERO)).build()) {
            s.start();
            long base = SessionsBench.usedHeap();
            ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
            AtomicLong sampled = new AtomicLong();
            Thread sampler = new Thread(() -> {
                Runtime rt = Runtime.getRuntime();
                while (!Thread.currentThread().isInterrupted()) {
                    sampled.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-sampler");
            sampler.setDaemon(true);
            sampler.start();
            long t0 = System.nanoTime();
            TurnResult r = s.runTurn(TurnInput.text("big"));
            long took = System.nanoTime() - t0;
            sampler.interrupt();
            long poolPeaks = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                    .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            long transcript = r.messages().stream().map(TranscriptMessage::toJson).mapToLong(String::length).sum();
            System.out.printf("bigline: %d MiB output (%.1f MiB line) -> %s in %.0f ms; heap above baseline: sampled peak %.0f MiB "
                            + "(%.2f x line), sum of pool peaks %.0f MiB (%.2f x line); transcript %d messages, %d chars%n",
                    mib, lineBytes / 1048576.0, r.status(), took / 1e6, (sampled.get() - base) / 1048576.0,
                    (sampled.get() - base) / (double) lineBytes, (poolPeaks - base) / 1048576.0, (poolPeaks - base) / (double) lineBytes,
                    r.messages().size(), transcript);
            if (r.error() != null) {
                System.out.println("bigline: turn error: " + r.error().message());
            }
        }
        feeder.join();
    }

    private static byte[] stream(int mib) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(mib * 1048576 + 4096);
        String head = "{\"method\":\"item/completed\",\"params\":{\"threadId\":\"thread-1\",\"turnId\":\"turn-1\",\"item\":{"
                + "\"type\":\"commandExecution\",\"id\":\"cmd-1\",\"command\":\"cat big.log\",\"cwd\":\"/work\",\"status\":\"completed\","
                + "\"exitCode\":0,\"commandActions\":[],\"aggregatedOutput\":\"";
        out.writeBytes(("{\"method\":\"item/started\",\"params\":{\"threadId\":\"thread-1\",\"turnId\":\"turn-1\",\"item\":{"
                + "\"type\":\"commandExecution\",\"id\":\"cmd-1\",\"command\":\"cat big.log\",\"cwd\":\"/work\",\"status\":\"inProgress\","
                + "\"commandActions\":[],\"aggregatedOutput\":null}}}\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        byte[] output = new byte[mib * 1048576];
        Arrays.fill(output, (byte) 'x');
        for (int i = 99; i < output.length; i += 100) {
            output[i] = ' ';
        }
        out.writeBytes(output);
        out.writeBytes(("\"}}}\n{\"method\":\"item/completed\",\"params\":{\"threadId\":\"thread-1\",\"turnId\":\"turn-1\",\"item\":{"
                + "\"type\":\"agentMessage\",\"id\":\"msg-1\",\"text\":\"done\"}}}\n"
                + "{\"method\":\"turn/completed\",\"params\":{\"threadId\":\"thread-1\",\"turn\":{\"id\":\"turn-1\",\"status\":\"completed\","
                + "\"error\":null}}}\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
