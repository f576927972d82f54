package dev.codexbridge.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The recycle bound (decision 0116): when a codex is past it, and how a log line says it. */
class AppServerRecycleTest {
    @Test
    void offIsNeverDueAndTheLaunchesDefault() {
        assertThat(AppServerRecycle.OFF.enabled()).isFalse();
        assertThat(AppServerRecycle.OFF.due(Long.MAX_VALUE, Long.MAX_VALUE)).isFalse();
        assertThat(AppServerRecycle.OFF.describe()).isEqualTo("never");
        assertThat(CodexLaunch.appServer(java.nio.file.Path.of("/bin/codex")).build().recycle()).isEqualTo(AppServerRecycle.OFF);
    }

    @Test
    void aConversationBoundIsDueFromThatManyLoadsWhateverTheMemory() {
        AppServerRecycle p = AppServerRecycle.afterConversations(1_000);
        assertThat(p.due(999, Long.MAX_VALUE)).as("memory is no bound here").isFalse();
        assertThat(p.due(1_000, -1)).isTrue();
        assertThat(p.due(5_000, -1)).isTrue();
        assertThat(p.describe()).isEqualTo("after 1000 conversations");
    }

    @Test
    void aMemoryBoundIsDueFromThatMuchGrowthAndNeverWhenTheGrowthIsUnknown() {
        AppServerRecycle p = AppServerRecycle.aboveGrowthMiB(256);
        assertThat(p.due(Long.MAX_VALUE, (256L << 20) - 1)).isFalse();
        assertThat(p.due(0, 256L << 20)).isTrue();
        assertThat(p.due(0, -1)).as("no /proc to read").isFalse();
        assertThat(p.describe()).isEqualTo("256 MiB grown");
    }

    @Test
    void bothBoundsRecycleAtWhicheverIsPassedFirst() {
        AppServerRecycle p = AppServerRecycle.afterConversations(10_000).orAboveGrowthMiB(512);
        assertThat(p.due(10_000, 0)).isTrue();
        assertThat(p.due(1, 512L << 20)).isTrue();
        assertThat(p.due(9_999, (512L << 20) - 1)).isFalse();
        assertThat(p.describe()).isEqualTo("after 10000 conversations or 512 MiB grown");
        assertThat(AppServerRecycle.afterConversations(0).orAboveGrowthMiB(0)).isEqualTo(AppServerRecycle.OFF);
    }

    @Test
    void aNegativeBoundIsRefusedAndTheLaunchKeepsItsPolicy() {
        assertThatThrownBy(() -> new AppServerRecycle(-1, 0, AppServerRecycle.HOLD)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AppServerRecycle.afterConversations(1).holdingUpTo(java.time.Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AppServerRecycle.aboveGrowthMiB(-5)).isInstanceOf(IllegalArgumentException.class);
        AppServerRecycle p = AppServerRecycle.afterConversations(3).holdingUpTo(java.time.Duration.ofMinutes(2));
        CodexLaunch launch = CodexLaunch.appServer(java.nio.file.Path.of("/bin/codex")).recycle(p).build();
        assertThat(launch.recycle()).isEqualTo(p);
        assertThat(launch.toBuilder().build().recycle()).as("a tenant's launch is made from the host's").isEqualTo(p);
    }
}
