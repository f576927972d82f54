package dev.codexbridge.rpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The pools' default sizes keep the library within its thread budget on any number of cores. */
class RpcThreadsTest {
    private static final int OTHERS = 2 + 2 + 4;    // callback, waits, host at their defaults

    @Test
    void theDefaultPoolsStayWithinTheBudgetWhateverTheCores() {
        for (int cores = 1; cores <= 256; cores++) {
            int dispatch = RpcThreads.defaultDispatchThreads(cores, OTHERS);
            assertThat(1 + dispatch + OTHERS).as("%d cores", cores).isLessThanOrEqualTo(RpcThreads.JVM_WIDE_DEFAULT);
            assertThat(dispatch).as("%d cores", cores).isGreaterThanOrEqualTo(4);
        }
        // one thread of the budget is the JDK's WebSocket selector
        assertThat(RpcThreads.JVM_WIDE_DEFAULT + 1).isEqualTo(RpcThreads.THREAD_BUDGET).isEqualTo(16);
    }

    @Test
    void dispatchIsTwiceTheCoresUntilTheBudgetIsReached() {
        assertThat(RpcThreads.defaultDispatchThreads(1, OTHERS)).isEqualTo(4);
        assertThat(RpcThreads.defaultDispatchThreads(2, OTHERS)).isEqualTo(4);
        assertThat(RpcThreads.defaultDispatchThreads(3, OTHERS)).isEqualTo(6);
        assertThat(RpcThreads.defaultDispatchThreads(4, OTHERS)).isEqualTo(6);
        assertThat(RpcThreads.defaultDispatchThreads(64, OTHERS)).isEqualTo(6);
    }

    @Test
    void largerPoolsSetByPropertyLeaveDispatchAtLeastOneThread() {
        assertThat(RpcThreads.defaultDispatchThreads(8, 40)).isEqualTo(1);
    }

    @Test
    void thisJvmsPoolsAreWithinTheBudget() {
        assertThat(RpcThreads.maxThreads()).isLessThanOrEqualTo(RpcThreads.JVM_WIDE_DEFAULT);
    }
}
