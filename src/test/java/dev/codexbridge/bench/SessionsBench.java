package dev.codexbridge.bench;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.testkit.MemoryPipe;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.TurnLimits;

/**
 * Memory and threads per session: {@code N} sessions (default 1,000) in one JVM against in-process
 * codex stand-ins that own no threads, so every thread and byte counted belongs to the library.
 * Measured idle (after {@code start()}) and mid-turn (a turn open with an item in progress and 50
 * deltas projected). Run with {@code bin/bench sessions [N]} (the launcher gives it {@code -Xmx512m}).
 */
public final class SessionsBench {
    private SessionsBench() {
    }

    private static final int DELTAS = 50;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        long heap0 = usedHeap();
        int threads0 = threads();
        List<CodexSession> sessions = new ArrayList<>(n);
        List<InlineCodex> codexes = new ArrayList<>(n);
        CountDownLatch midTurn = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            MemoryPipe down = new MemoryPipe();
            InlineCodex codex = new InlineCodex(down.input(), down.output(), turnId -> openTurn(down.output(), turnId));
            codexes.add(codex);
            CodexSession s = CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options()).cwd(Path.of("/work"))
                    .approvals(ApprovalPolicy.builder().build()).limits(TurnLimits.of(Duration.ofMinutes(10), Duration.ZERO)).build();
            s.start();
            sessions.add(s);
        }
        long heapIdle = usedHeap();
        int threadsIdle = threads();
        System.out.printf("sessions: %d idle: %.1f KiB heap and %.2f threads per session (%d threads in all, %d before)%n",
                n, (heapIdle - heap0) / 1024.0 / n, (threadsIdle - threads0) / (double) n, threadsIdle, threads0);

        List<CompletableFuture<TurnResult>> turns = new ArrayList<>(n);
        for (CodexSession s : sessions) {
            int[] deltas = {0};
            TurnListener counter = new TurnListener() {
                @Override
                public void onAgentMessageDelta(String itemId, String delta) {
                    if (++deltas[0] == DELTAS) {
                        midTurn.countDown();
                    }
                }
            };
            turns.add(s.runTurnAsync(TurnInput.text("hold"), TurnOptions.DEFAULTS, counter));
        }
        if (!midTurn.await(2, TimeUnit.MINUTES)) {
            throw new IllegalStateException(midTurn.getCount() + " sessions never reached mid-turn");
        }
        long heapBusy = usedHeap();
        int threadsBusy = threads();
        System.out.printf("sessions: %d mid-turn: %.1f KiB heap and %.2f threads per session (%d threads in all; the turns "
                        + "hold none, the dispatch pool serves them all)%n",
                n, (heapBusy - heap0) / 1024.0 / n, (threadsBusy - threads0) / (double) n, threadsBusy);

        for (InlineCodex codex : codexes) {
            write(codex.toClient(), "{\"method\":\"turn/completed\",\"params\":{\"threadId\":\"thread-1\",\"turn\":{\"id\":\"turn-1\","
                    + "\"status\":\"completed\",\"error\":null}}}\n");
        }
        for (CompletableFuture<TurnResult> t : turns) {
            TurnResult r = t.get(2, TimeUnit.MINUTES);
            if (r.status() != TurnOutcome.COMPLETED) {
                throw new IllegalStateException("turn ended " + r.status() + ": " + r.error());
            }
        }
        sessions.forEach(CodexSession::close);
        sessions.clear();
        codexes.clear();
        turns.clear();
        Thread.sleep(500);
        System.out.printf("sessions: after close: %d threads (%d before; idle pool threads expire after 60 s), heap %+.1f MiB from the start%n",
                threads(), threads0, (usedHeap() - heap0) / 1048576.0);
    }

    private static void openTurn(OutputStream toClient, String turnId) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"method\":\"item/started\",\"params\":{\"threadId\":\"thread-1\",\"turnId\":\"").append(turnId)
                .append("\",\"item\":{\"type\":\"agentMessage\",\"id\":\"msg-1\",\"text\":\"\"}}}\n");
        for (int i = 0; i < DELTAS; i++) {
            sb.append("{\"method\":\"item/agentMessage/delta\",\"params\":{\"threadId\":\"thread-1\",\"turnId\":\"").append(turnId)
                    .append("\",\"itemId\":\"msg-1\",\"delta\":\"a few words of an answer \"}}\n");
        }
        write(toClient, sb.toString());
    }

    private static void write(OutputStream out, String lines) {
        try {
            synchronized (out) {
                out.write(lines.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
