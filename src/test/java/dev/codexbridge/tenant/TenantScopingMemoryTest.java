package dev.codexbridge.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.session.ThreadAccessDeniedException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tenants' own scoping keeps per thread started here, without a store (issue 71: one entry
 * per thread ever started, for as long as the process serves): for local tenants, whose threads
 * live in homes no other tenant's codex reads, at most {@link TenantSessionSetup#LOCAL_THREADS_REMEMBERED},
 * the least recently started forgotten; for remote tenants, every one.
 */
class TenantScopingMemoryTest {
    @TempDir
    Path dir;

    private TenantSessionSetup local() {
        TenantHomes homes = new TenantHomes(dir.resolve("homes"), null, TenantHomeSetup.none(), Set.of(), Map.of(), Map.of(), t -> Map.of(),
                new TenantListener() { }, () -> Path.of("codex"));
        return new TenantSessionSetup(null, homes, null);
    }

    @Test
    void localTenantsThreadsAreRememberedUpToTheBound() {
        TenantSessionSetup scoping = local();
        int started = TenantSessionSetup.LOCAL_THREADS_REMEMBERED + 5_000;
        String first = null;
        String last = null;
        for (int i = 0; i < started; i++) {
            last = UUID.randomUUID().toString();
            first = first == null ? last : first;
            scoping.startedBy(last, "alice");
        }
        assertThat(scoping.startedHere()).isEqualTo(TenantSessionSetup.LOCAL_THREADS_REMEMBERED);
        String recent = last;
        assertThatThrownBy(() -> scoping.requireResume("bob", recent)).isInstanceOf(ThreadAccessDeniedException.class);
        // forgotten by the scoping: bob's own codex, in bob's own home, has no such thread
        String oldest = first;
        assertThatCode(() -> scoping.requireResume("bob", oldest)).doesNotThrowAnyException();
        assertThatCode(() -> scoping.requireResume("alice", recent)).doesNotThrowAnyException();
    }

    @Test
    void remoteTenantsThreadsAreAllRemembered() {
        TenantSessionSetup scoping = new TenantSessionSetup(null, null, null);
        int started = TenantSessionSetup.LOCAL_THREADS_REMEMBERED + 5_000;
        String first = null;
        for (int i = 0; i < started; i++) {
            String t = UUID.randomUUID().toString();
            first = first == null ? t : first;
            scoping.startedBy(t, "alice");
        }
        assertThat(scoping.startedHere()).isEqualTo(started);
        String oldest = first;
        assertThatThrownBy(() -> scoping.requireResume("bob", oldest)).isInstanceOf(ThreadAccessDeniedException.class);
    }
}
