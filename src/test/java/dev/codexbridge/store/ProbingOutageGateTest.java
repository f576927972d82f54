package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.spi.OutageGate;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A gate with a question of its own ({@link OutageGate#probing}, decision 0131): while the store is
 * down no caller's call reaches the database, however long after the failure it comes; the gate's
 * thread asks instead, once a second, and the database's first answer (a refusal included) puts
 * the store up. On the real clock: the thread sleeps on it.
 */
class ProbingOutageGateTest {
    private final AtomicInteger asked = new AtomicInteger();
    /** What the gate's question meets: null for an answer. */
    private final AtomicReference<RuntimeException> database = new AtomicReference<>();
    private final OutageGate gate = OutageGate.probing(() -> {
        asked.incrementAndGet();
        RuntimeException away = database.get();
        if (away != null) {
            throw away;
        }
    });
    private final AtomicInteger reached = new AtomicInteger();

    @AfterEach
    void close() {
        gate.close();
    }

    private String call(RuntimeException failure) {
        return OutageGateTest.call(gate, reached, failure);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - end).as(what).isNegative();
            Thread.sleep(20);
        }
    }

    @Test
    void whileTheDatabaseIsAwayNoCallerWaitsForItTheGateAsks() throws Exception {
        database.set(OutageGateTest.unreachable());
        RuntimeException away = OutageGateTest.unreachable();
        assertThatThrownBy(() -> call(away)).isSameAs(away);
        assertThat(gate.down()).isTrue();

        await("the gate asked the database twice", () -> asked.get() >= 2);
        // seconds after the failure, where a gate without a question lets one call through to ask
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> call(null)).hasMessage("not tried").hasCauseInstanceOf(ConversationStoreException.class);
        }
        assertThat(reached).as("only the first call reached for the database").hasValue(1);
        assertThat(gate.refused()).isEqualTo(5);

        database.set(null);
        await("the gate's question answered puts the store up", () -> !gate.down());
        assertThat(call(null)).isEqualTo("answered");
        int then = asked.get();
        Thread.sleep(OutageGate.PROBE_EVERY.toMillis() * 2);
        assertThat(asked).as("no question asked while the store is up").hasValue(then);
    }

    @Test
    void aRefusalIsTheDatabasesAnswerToo() throws Exception {
        database.set(new ConversationStoreException(null, "asking the conversation store failed: permission denied",
                new SQLException("permission denied for table codex_store_lease", "42501")));
        assertThatThrownBy(() -> call(OutageGateTest.unreachable()));
        await("the refusal puts the store up", () -> !gate.down());
        assertThat(asked).hasPositiveValue();
    }

    @Test
    void aClosedGateAsksNoMore() throws Exception {
        database.set(OutageGateTest.unreachable());
        assertThatThrownBy(() -> call(OutageGateTest.unreachable()));
        await("asked once", () -> asked.get() >= 1);
        gate.close();
        Thread.sleep(OutageGate.PROBE_EVERY.toMillis() * 2);      // a question under way, or a wait between two, ends
        int then = asked.get();
        Thread.sleep(OutageGate.PROBE_EVERY.toMillis() * 3);
        assertThat(asked).as("no question after the close").hasValue(then);
        assertThat(gate.down()).as("still down: nothing answered").isTrue();
    }
}
