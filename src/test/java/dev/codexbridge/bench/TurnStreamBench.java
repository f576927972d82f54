package dev.codexbridge.bench;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.rpc.internal.RpcThreads;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnEventIterator;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.TurnStreamEvent;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a turn stream costs over a plain listener (decision 0041): the generated turn of
 * {@link StreamBench} ({@code N} messages through an OS pipe into a {@link CodexSession}), consumed
 * by a {@link TurnListener} that counts deltas, by a {@code Flow.Subscriber} on
 * {@code streamTurn} that requests everything, and by {@code streamTurn(...).iterator()} read on
 * the calling thread. Rounds alternate the three, so each ratio comes from the same minute of a
 * noisy machine. {@code bin/bench turn-stream [MESSAGES] [ROUNDS] [BUFFER]}.
 */
public final class TurnStreamBench {
    /** The streams' bufferSize (third argument; default the library's). */
    private static int buffer;

    private TurnStreamBench() {
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        buffer = args.length > 2 ? Integer.parseInt(args[2]) : dev.codexbridge.session.TurnStream.DEFAULT_BUFFER_SIZE;
        TurnStream turn = TurnStream.generate(count, 7);
        System.out.printf("turn-stream: %d messages, %.1f MiB, stream buffer %d%n", turn.messages, turn.bytes.length / 1048576.0, buffer);
        double[] listener = new double[rounds];
        double[] publisher = new double[rounds];
        double[] iterator = new double[rounds];
        double[] pubRatio = new double[rounds];
        double[] iterRatio = new double[rounds];
        for (int warm = 0; warm < 2; warm++) {
            run(turn, Shape.LISTENER);
            run(turn, Shape.PUBLISHER);
            run(turn, Shape.ITERATOR);
        }
        for (int r = 0; r < rounds; r++) {
            listener[r] = run(turn, Shape.LISTENER);
            publisher[r] = run(turn, Shape.PUBLISHER);
            iterator[r] = run(turn, Shape.ITERATOR);
            pubRatio[r] = publisher[r] / listener[r];
            iterRatio[r] = iterator[r] / listener[r];
            System.out.printf("  round %d: listener %.0f msg/s, publisher %.0f msg/s (%.2f), iterator %.0f msg/s (%.2f)%n", r + 1,
                    listener[r], publisher[r], pubRatio[r], iterator[r], iterRatio[r]);
        }
        for (double[] a : new double[][] {listener, publisher, iterator, pubRatio, iterRatio}) {
            Arrays.sort(a);
        }
        int m = rounds / 2;
        System.out.printf("turn-stream: median listener %.0f msg/s, publisher %.0f msg/s, iterator %.0f msg/s; "
                        + "publisher/listener %.2f (min %.2f, max %.2f), iterator/listener %.2f (min %.2f, max %.2f)%n",
                listener[m], publisher[m], iterator[m], pubRatio[m], pubRatio[0], pubRatio[rounds - 1], iterRatio[m], iterRatio[0],
                iterRatio[rounds - 1]);
    }

    private enum Shape { LISTENER, PUBLISHER, ITERATOR }

    /** Messages per second from the feeder's first byte to the consumer holding the result. */
    private static double run(TurnStream turn, Shape shape) throws Exception {
        Pipe pipe = Pipe.open();
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong startedAt = new AtomicLong();
        Thread feeder = StreamBench.feeder(turn.bytes, pipe, go, startedAt);
        InlineCodex codex = new InlineCodex(Channels.newInputStream(pipe.source()), Channels.newOutputStream(pipe.sink()),
                turnId -> go.countDown());
        AtomicLong deltas = new AtomicLong();
        TurnResult result;
        long end;
        try (CodexSession s = CodexSession.builder().connection(CodexClient.builder().transport(codex.factory()).options())
                .cwd(Path.of("/work"))
                .approvals(ApprovalPolicy.builder().autoApproveCommands(true).build())
                .limits(TurnLimits.of(Duration.ofMinutes(5), Duration.ZERO)).build()) {
            s.start();
            TurnInput input = TurnInput.text("stream");
            if (shape == Shape.LISTENER) {
                result = s.runTurn(input, TurnOptions.DEFAULTS, new TurnListener() {
                    @Override
                    public void onAgentMessageDelta(String itemId, String delta) {
                        deltas.incrementAndGet();
                    }

                    @Override
                    public void onCommandOutputDelta(String itemId, String delta) {
                        deltas.incrementAndGet();
                    }
                });
            } else if (shape == Shape.PUBLISHER) {
                CompletableFuture<TurnResult> ended = new CompletableFuture<>();
                s.streamTurn(input, TurnOptions.DEFAULTS, buffer, RpcThreads.host()).subscribe(new Flow.Subscriber<TurnStreamEvent>() {
                    @Override
                    public void onSubscribe(Flow.Subscription subscription) {
                        subscription.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onNext(TurnStreamEvent event) {
                        if (event instanceof TurnStreamEvent.Delta) {
                            deltas.incrementAndGet();
                        } else if (event instanceof TurnStreamEvent.Ended) {
                            ended.complete(((TurnStreamEvent.Ended) event).result());
                        }
                    }

                    @Override
                    public void onError(Throwable failure) {
                        ended.completeExceptionally(failure);
                    }

                    @Override
                    public void onComplete() {
                    }
                });
                result = ended.get(5, TimeUnit.MINUTES);
            } else {
                result = null;
                try (TurnEventIterator events = s.streamTurn(input, TurnOptions.DEFAULTS, buffer, RpcThreads.host()).iterator()) {
                    while (events.hasNext()) {
                        TurnStreamEvent event = events.next();
                        if (event instanceof TurnStreamEvent.Delta) {
                            deltas.incrementAndGet();
                        } else if (event instanceof TurnStreamEvent.Ended) {
                            result = ((TurnStreamEvent.Ended) event).result();
                        }
                    }
                }
            }
            end = System.nanoTime();
        }
        feeder.join();
        if (result == null || result.status() != TurnOutcome.COMPLETED) {
            throw new IllegalStateException(shape + ": the turn ended " + (result == null ? "without a result" : result.status()));
        }
        if (deltas.get() == 0) {
            throw new IllegalStateException(shape + ": no delta reached the consumer");
        }
        return turn.messages / ((end - startedAt.get()) / 1e9);
    }
}
