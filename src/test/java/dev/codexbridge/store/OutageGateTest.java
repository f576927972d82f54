package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.spi.OutageGate;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The gate in front of a database ({@link OutageGate}), on a clock of the test's own: a call that
 * could not reach the database puts the store down; then every call is refused at once with that
 * failure as its cause, except one at a time, at most one a second, that asks the database again;
 * the database's first answer, even a refusal, puts it up.
 */
class OutageGateTest {
    private final AtomicLong now = new AtomicLong();
    private final OutageGate gate = new OutageGate(now::get);
    private final AtomicInteger reached = new AtomicInteger();

    static RuntimeException unreachable() {
        return new ConversationStoreException(null, "reading the conversation store failed: timed out",
                new SQLTransientConnectionException("pool - Connection is not available, request timed out after 6000ms."));
    }

    private String call(RuntimeException failure) {
        return call(gate, reached, failure);
    }

    /** A call through {@code gate} that counts in {@code reached} that it reached for the database, and meets {@code failure} there. */
    static String call(OutageGate gate, AtomicInteger reached, RuntimeException failure) {
        return gate.call(() -> {
            reached.incrementAndGet();
            if (failure != null) {
                throw failure;
            }
            return "answered";
        }, down -> new ConversationStoreException(null, "not tried", down.failure()));
    }

    @Test
    void aStoreThatCouldNotBeReachedRefusesTheNextCallsAtOnceWithThatFailure() {
        assertThat(call(null)).isEqualTo("answered");
        RuntimeException away = unreachable();
        assertThatThrownBy(() -> call(away)).isSameAs(away);
        assertThat(gate.down()).isTrue();
        for (int i = 0; i < 5; i++) {
            now.addAndGet(Duration.ofMillis(150).toNanos());
            assertThatThrownBy(() -> call(null)).hasMessage("not tried").hasCause(away);
        }
        assertThat(reached).as("the database asked by the first two calls only").hasValue(2);
        assertThat(gate.downFor()).isEqualTo(Duration.ofMillis(750));
    }

    @Test
    void aSecondLaterOneCallAsksAgainAndItsAnswerPutsTheStoreUp() {
        assertThatThrownBy(() -> call(unreachable()));
        now.addAndGet(OutageGate.PROBE_EVERY.toNanos());
        assertThatThrownBy(() -> call(unreachable())).hasMessageContaining("timed out");
        assertThat(reached).hasValue(2);
        assertThatThrownBy(() -> call(null)).as("within a second of the last ask").hasMessage("not tried");
        now.addAndGet(OutageGate.PROBE_EVERY.toNanos());
        assertThat(call(null)).isEqualTo("answered");
        assertThat(gate.down()).isFalse();
        assertThat(call(null)).isEqualTo("answered");
        assertThat(reached).hasValue(4);
    }

    @Test
    void aFailureOfACallSentBeforeTheDatabaseCameBackDoesNotPutTheStoreDownAgain() throws Exception {
        // a call sent while the database was away waits out the pool's timeout; meanwhile the database comes back
        CountDownLatch waiting = new CountDownLatch(1);
        CountDownLatch timedOut = new CountDownLatch(1);
        CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> gate.call(() -> {
            waiting.countDown();
            try {
                timedOut.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw unreachable();
        }, down -> new ConversationStoreException(null, "not tried", down.failure())));
        waiting.await();
        now.addAndGet(Duration.ofMillis(500).toNanos());
        assertThat(call(null)).as("sent later, answered: the database is back").isEqualTo("answered");
        timedOut.countDown();
        assertThatThrownBy(slow::join).hasRootCauseInstanceOf(SQLTransientConnectionException.class);

        assertThat(gate.down()).as("a failure of a time now past").isFalse();
        assertThat(gate.outages()).isZero();
        assertThat(call(null)).isEqualTo("answered");
    }

    @Test
    void aRefusalIsTheDatabasesAnswer() {
        assertThatThrownBy(() -> call(unreachable()));
        now.addAndGet(OutageGate.PROBE_EVERY.toNanos());
        LeaseLostException lost = new LeaseLostException(new ConversationLease("t", "b", "token", java.time.Instant.EPOCH), "held by another host");
        assertThatThrownBy(() -> call(lost)).isSameAs(lost);
        assertThat(gate.down()).isFalse();
        // a failure of the statement itself is an answer too
        assertThatThrownBy(() -> call(new ConversationStoreException("t", "duplicate", new SQLException("duplicate key", "23505"))));
        assertThat(gate.down()).isFalse();
    }

    @Test
    void whileOneCallAsksTheDatabaseTheOthersAreRefused() throws Exception {
        assertThatThrownBy(() -> call(unreachable()));
        now.addAndGet(OutageGate.PROBE_EVERY.toNanos() * 5);
        CountDownLatch asking = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        CompletableFuture<String> probe = CompletableFuture.supplyAsync(() -> gate.call(() -> {
            asking.countDown();
            try {
                answer.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "answered";
        }, down -> new IllegalStateException("not tried")));
        assertThat(asking.await(60, TimeUnit.SECONDS)).isTrue();
        now.addAndGet(OutageGate.PROBE_EVERY.toNanos() * 5);
        assertThatThrownBy(() -> call(null)).as("another call asks now").hasMessage("not tried");
        answer.countDown();
        assertThat(probe.get(60, TimeUnit.SECONDS)).isEqualTo("answered");
        assertThat(call(null)).isEqualTo("answered");
    }

    /** Whether the database is away for {@link #suspecting}'s own question, and how many times it was asked. */
    private final java.util.concurrent.atomic.AtomicBoolean away = new java.util.concurrent.atomic.AtomicBoolean(true);
    private final AtomicInteger asked = new AtomicInteger();
    /** A gate with a question of its own on the test's clock, failing unreachable while {@link #away} holds. */
    private final OutageGate suspecting = OutageGate.probing(() -> {
        asked.incrementAndGet();
        if (away.get()) {
            throw unreachable();
        }
    }, now::get);

    @org.junit.jupiter.api.AfterEach
    void stopAsking() {
        suspecting.close();
    }

    @Test
    void afterASuspicionCallsWaitForTheDatabasesAnswerNotEachForItAndGoOnOnceItAnswers() throws Exception {
        suspecting.suspect(Duration.ofSeconds(6));
        assertThat(suspecting.suspected()).isTrue();
        CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> call(suspecting, reached, null));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> asked.get() >= 3);
        assertThat(waiting).as("held while the database does not answer").isNotDone();
        assertThat(reached).as("and not reaching for it on its own").hasValue(0);

        away.set(false);
        assertThat(waiting.get(60, TimeUnit.SECONDS)).isEqualTo("answered");
        assertThat(reached).hasValue(1);
        assertThat(suspecting.suspected()).isFalse();
        assertThat(suspecting.down()).isFalse();
        int questions = asked.get();
        assertThat(call(suspecting, reached, null)).isEqualTo("answered");
        assertThat(asked).as("no question once answered").hasValue(questions);
    }

    @Test
    void aSuspicionTheDatabaseDoesNotAnswerWithinItsWindowPutsTheStoreDownAndRefusesTheWaitingCalls() throws Exception {
        suspecting.suspect(Duration.ofSeconds(6));
        CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> call(suspecting, reached, null));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> asked.get() >= 2);
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        assertThatThrownBy(() -> waiting.get(60, TimeUnit.SECONDS)).hasRootCauseInstanceOf(SQLTransientConnectionException.class)
                .hasMessageContaining("not tried");
        assertThat(reached).as("no call reached for the database").hasValue(0);
        assertThat(suspecting.down()).isTrue();
        assertThat(suspecting.downFor()).as("down since the suspicion").isEqualTo(Duration.ofSeconds(6));
        assertThat(suspecting.outages()).isEqualTo(1);
        assertThatThrownBy(() -> call(suspecting, reached, null)).as("and at once after").hasMessage("not tried");
    }

    @Test
    void aCallThatFailsUnreachableDuringASuspicionRefusesTheCallsWaitingOnItAtOnce() throws Exception {
        // a call that reached for the database before the suspicion, and fails as it goes on
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch fail = new CountDownLatch(1);
        CompletableFuture<String> before = CompletableFuture.supplyAsync(() -> suspecting.call(() -> {
            inside.countDown();
            try {
                fail.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw unreachable();
        }, down -> new IllegalStateException("not tried")));
        assertThat(inside.await(60, TimeUnit.SECONDS)).isTrue();
        now.addAndGet(Duration.ofMillis(10).toNanos());
        suspecting.suspect(Duration.ofSeconds(600));
        CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> call(suspecting, reached, null));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> asked.get() >= 2);
        fail.countDown();
        assertThatThrownBy(before::join).hasRootCauseInstanceOf(SQLTransientConnectionException.class);
        assertThatThrownBy(() -> waiting.get(60, TimeUnit.SECONDS)).hasMessageContaining("not tried");
        assertThat(suspecting.suspected()).isFalse();
    }

    @Test
    void aGateWithoutAQuestionOfItsOwnOrAlreadyDownIgnoresASuspicion() {
        gate.suspect(Duration.ofSeconds(6));
        assertThat(gate.suspected()).as("its callers ask: nothing to wait for").isFalse();
        assertThatThrownBy(() -> call(suspecting, reached, unreachable()));
        suspecting.suspect(Duration.ofSeconds(6));
        assertThat(suspecting.suspected()).as("already down").isFalse();
        assertThat(suspecting.suspicions()).isZero();
    }
}
