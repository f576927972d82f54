package dev.codexbridge.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.session.ThreadAccess;
import dev.codexbridge.session.ThreadAccessDeniedException;
import dev.codexbridge.support.LogCapture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tenants' own scoping keeps per thread started here, without a store (issues 71, 80: one
 * entry per thread ever started, for as long as the process serves): at most its bound
 * ({@link CodexTenants.Builder#threadsRemembered}), the least recently used forgotten. A local
 * tenant's thread forgotten is still nobody else's: the scoping lets the resume through and the
 * other tenant's codex, in its own home, has no such thread (the live proof:
 * {@code TenantsForgetLiveTest}). A remote tenants' forgotten thread is as one after a restart: the
 * host's rule decides, and without one the forgetting is said once.
 */
class TenantScopingMemoryTest {
    private static final int BOUND = 1_000;

    @TempDir
    Path dir;

    private TenantSessionSetup local(int remembered) {
        TenantHomes homes = new TenantHomes(dir.resolve("homes"), null, TenantHomeSetup.none(), Set.of(), Map.of(), Map.of(), t -> Map.of(),
                new TenantListener() { }, () -> Path.of("codex"));
        return new TenantSessionSetup(null, homes, null, remembered);
    }

    /** {@code n} new thread ids started by {@code tenant}, oldest first. */
    private static List<String> start(TenantSessionSetup scoping, String tenant, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(UUID.randomUUID().toString());
            scoping.startedBy(ids.get(i), tenant);
        }
        return ids;
    }

    @Test
    void localTenantsThreadsAreRememberedUpToTheBoundTheLeastRecentlyUsedForgottenFirst() {
        TenantSessionSetup scoping = local(BOUND);
        List<String> ids = start(scoping, "alice", BOUND);
        // the oldest used again (alice resumed it): the second oldest goes first
        assertThatCode(() -> scoping.requireResume("alice", ids.get(0))).doesNotThrowAnyException();
        List<String> more = start(scoping, "alice", 1);
        assertThat(scoping.startedHere()).isEqualTo(BOUND);
        assertThatThrownBy(() -> scoping.requireResume("bob", ids.get(0))).as("used again: remembered")
                .isInstanceOf(ThreadAccessDeniedException.class);
        assertThatThrownBy(() -> scoping.requireResume("bob", more.get(0))).isInstanceOf(ThreadAccessDeniedException.class);
        // forgotten by the scoping: bob's own codex, in bob's own home, has no such thread (answered as unknown there)
        assertThatCode(() -> scoping.requireResume("bob", ids.get(1))).doesNotThrowAnyException();
        assertThatCode(() -> scoping.requireResume("alice", ids.get(1))).doesNotThrowAnyException();
        // a month of threads: the bound holds
        start(scoping, "carol", 5 * BOUND);
        assertThat(scoping.startedHere()).isEqualTo(BOUND);
    }

    @Test
    void remoteTenantsForgetPastTheBoundAsAfterARestartTheHostsRuleDeciding() {
        // the host's rule, as a remote deployment sharing an app-server needs after a restart: only the owner it knows
        Map<String, String> owners = new java.util.concurrent.ConcurrentHashMap<>();
        ThreadAccess hostRule = ThreadAccess.owners(owners::get);
        TenantSessionSetup scoping = new TenantSessionSetup(hostRule, null, null, BOUND);
        List<String> ids = start(scoping, "alice", BOUND + 1);
        ids.forEach(t -> owners.put(t, "alice"));
        assertThat(scoping.startedHere()).isEqualTo(BOUND);
        assertThatThrownBy(() -> scoping.requireResume("bob", ids.get(0))).as("forgotten by the scoping, refused by the host's rule")
                .isInstanceOf(ThreadAccessDeniedException.class);
        assertThatCode(() -> scoping.requireResume("alice", ids.get(0))).doesNotThrowAnyException();
    }

    @Test
    void remoteTenantsWithNothingElseToAnswerSayOnceThatTheyForget() {
        try (LogCapture log = LogCapture.start()) {
            TenantSessionSetup scoping = new TenantSessionSetup(null, null, null, 10);
            start(scoping, "alice", 10);
            assertThat(log.text()).doesNotContain("threadAccess rule or a store");
            start(scoping, "alice", 25);
            assertThat(log.text().split("threadAccess rule or a store", -1)).as("said once").hasSize(2);
            assertThat(log.text()).contains("remembers 10 threads");
        }
    }
}
