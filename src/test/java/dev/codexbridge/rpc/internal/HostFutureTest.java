package dev.codexbridge.rpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Host futures: where their continuations run, and waiting for them without the host's threads. */
class HostFutureTest {
    /** An executor that runs nothing until told: a host pool whose every thread is busy. */
    private final LinkedBlockingQueue<Runnable> queued = new LinkedBlockingQueue<>();
    private final Executor busy = queued::add;

    @Test
    void continuationsRunOnTheExecutorNotOnTheThreadThatCompletedTheLibrarysFuture() throws Exception {
        CompletableFuture<String> library = new CompletableFuture<>();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        CompletableFuture<String> host = HostFuture.of(library, busy);
        CompletableFuture<Integer> length = host.thenApply(s -> {
            ranOn.set(Thread.currentThread());
            return s.length();
        });

        library.complete("abc");
        assertThat(length).isNotDone();
        Thread pool = new Thread(queued.take(), "host-pool");
        pool.start();
        pool.join();
        assertThat(length.get()).isEqualTo(3);
        assertThat(ranOn.get()).isSameAs(pool);
    }

    @Test
    void waitingForItOrAStageOfItNeverWaitsForTheExecutor() throws Exception {
        CompletableFuture<String> library = new CompletableFuture<>();
        CompletableFuture<String> host = HostFuture.of(library, busy);
        CompletableFuture<String> derived = host.thenApply(s -> s + "!").handle((s, e) -> s).copy();
        new Thread(() -> library.complete("done")).start();

        assertThat(derived.join()).isEqualTo("done!");
        assertThat(host.get(60, TimeUnit.SECONDS)).isEqualTo("done");
        // the executor's own hand-off, when it comes, finds the future done
        queued.poll(5, TimeUnit.SECONDS).run();
        assertThat(host.join()).isEqualTo("done");
        assertThat(queued).isEmpty();
    }

    @Test
    void failuresLookAsTheyDidOnAStageOfTheLibrarysFuture() {
        CompletableFuture<String> library = new CompletableFuture<>();
        CompletableFuture<String> host = HostFuture.of(library, busy);
        IllegalStateException boom = new IllegalStateException("boom");
        library.completeExceptionally(boom);

        assertThatThrownBy(host::join).isInstanceOf(CompletionException.class).hasCause(boom);
        assertThatThrownBy(host::get).isInstanceOf(ExecutionException.class).hasCause(boom);
        assertThat(host.handle((v, e) -> e).join()).isInstanceOf(CompletionException.class).hasCause(boom);
    }

    @Test
    void aTimedWaitTimesOut() {
        CompletableFuture<String> host = HostFuture.of(new CompletableFuture<String>(), busy);
        assertThatThrownBy(() -> host.get(50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThatThrownBy(() -> host.thenApply(s -> s).get(50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
    }

    @Test
    void anExecutorThatRefusesStillLetsItComplete() {
        CompletableFuture<String> library = new CompletableFuture<>();
        CompletableFuture<String> host = HostFuture.of(library, r -> {
            throw new java.util.concurrent.RejectedExecutionException("shut down");
        });
        library.complete("x");
        assertThat(host).isCompletedWithValue("x");
    }
}
