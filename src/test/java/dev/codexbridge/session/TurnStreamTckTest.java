package dev.codexbridge.session;

import dev.codexbridge.session.internal.stream.StreamBuffer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.reactivestreams.tck.TestEnvironment;
import org.reactivestreams.tck.flow.FlowPublisherVerification;
import org.testng.SkipException;

/**
 * The Reactive Streams TCK's publisher rules, run on the delivery every {@link TurnStream} uses
 * ({@link StreamBuffer}): the TCK's TestNG methods, each called as a JUnit test (setUp first),
 * a TCK skip reported as a skipped test. A publisher of {@code n} elements is a stream fed
 * {@code n} warnings and then ended; a turn stream has one subscriber, so the TCK's optional
 * multi-subscriber rules see the second one refused.
 */
class TurnStreamTckTest {
    private static final ExecutorService DELIVERY = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "turn-stream-tck");
        t.setDaemon(true);
        return t;
    });
    /** A turn stream is finite: it holds what waits for its subscriber, so the TCK's unbounded publishers do not apply. */
    private static final long MAX_ELEMENTS = 4096;

    @AfterAll
    static void stop() {
        DELIVERY.shutdownNow();
    }

    @TestFactory
    Stream<DynamicTest> reactiveStreamsPublisherRules() {
        Verification verification = new Verification();
        return Arrays.stream(FlowPublisherVerification.class.getMethods())
                .filter(m -> m.isAnnotationPresent(org.testng.annotations.Test.class))
                .sorted(Comparator.comparing(Method::getName))
                .map(m -> DynamicTest.dynamicTest(m.getName(), () -> run(verification, m)));
    }

    private static void run(Verification verification, Method rule) throws Throwable {
        verification.setUp();
        try {
            rule.invoke(verification);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof SkipException) {
                Assumptions.abort(e.getCause().getMessage());
            }
            throw e.getCause();
        }
    }

    static final class Verification extends FlowPublisherVerification<TurnStreamEvent> {
        Verification() {
            // a generous wait for what must come (10 s: a loaded machine), a short one for what must not. An expected
            // error (rule 3.9) is looked for once only, after one poll: the TCK's countdown assigns the elapsed time
            // negated instead of subtracting it, so its total (10 s) never applies. The poll is therefore the whole wait
            // for an error delivered on another thread, and each such rule sleeps it through: 5 s (10 ms was outlasted
            // on a loaded fresh clone, 2 s beside the replicas chaos run)
            super(new TestEnvironment(10_000, 300, 5_000));
        }

        @Override
        public Flow.Publisher<TurnStreamEvent> createFlowPublisher(long elements) {
            StreamBuffer buffer = new StreamBuffer((int) Math.max(1, elements), DELIVERY);
            for (long i = 0; i < elements; i++) {
                buffer.offer(new TurnStreamEvent.Warning("event " + i));
            }
            buffer.end(null);
            return TurnStream.detached(buffer);
        }

        @Override
        public Flow.Publisher<TurnStreamEvent> createFailedFlowPublisher() {
            StreamBuffer buffer = new StreamBuffer(1, DELIVERY);
            buffer.fail(new IllegalStateException("the turn could not start"));
            return TurnStream.detached(buffer);
        }

        @Override
        public long maxElementsFromPublisher() {
            return MAX_ELEMENTS;
        }
    }
}
