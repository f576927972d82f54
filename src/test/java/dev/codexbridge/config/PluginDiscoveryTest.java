package dev.codexbridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import dev.codexbridge.support.Scripts;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginDiscoveryTest {
    @TempDir
    Path tmp;

    @Test
    void keepsInstalledAvailablePluginsOnceEach() {
        PluginCatalog.Discovery d = PluginDiscovery.parse(Json.parse("{\"marketplaces\":["
                + "{\"name\":\"openai-curated\",\"plugins\":["
                + "{\"name\":\"github\",\"installed\":true,\"enabled\":true,\"availability\":\"AVAILABLE\"},"
                + "{\"name\":\"canva\",\"installed\":true,\"enabled\":false},"
                + "{\"name\":\"admin-off\",\"installed\":true,\"enabled\":true,\"availability\":\"DISABLED_BY_ADMIN\"},"
                + "{\"name\":\"not-installed\",\"installed\":false,\"enabled\":true},"
                + "{\"name\":\"github\",\"installed\":true,\"enabled\":true}]},"
                + "{\"name\":\"\",\"plugins\":[{\"name\":\"legacy\",\"installed\":true}]}]}"));
        assertThat(d.error()).isNull();
        assertThat(d.plugins()).extracting(Plugin::id)
                .containsExactly("github@openai-curated", "canva@openai-curated", "legacy@openai-curated");
        assertThat(d.plugins().get(1).enabled()).isFalse();
        assertThat(PluginDiscovery.parse(Json.parse("{}")).error()).contains("no marketplaces");
    }

    @Test
    void talksToCodexOverItsProtocol() {
        // A fake codex that answers initialize (id 1) and plugin/list (id 2), then waits for stdin to close.
        Path fake = Scripts.write(tmp, "codex", "read a\nprintf '{\"id\":1,\"result\":{\"userAgent\":\"fake\"}}\\n'\n"
                + "read b\nread c\n"
                + "printf '{\"id\":2,\"result\":{\"marketplaces\":[{\"name\":\"m\",\"plugins\":[{\"name\":\"p\",\"installed\":true,\"enabled\":true}]}]}}\\n'\n"
                + "cat >/dev/null");
        PluginCatalog.Discovery d = new PluginDiscovery(fake, Duration.ofSeconds(10)).discover(tmp);
        assertThat(d.error()).isNull();
        assertThat(d.plugins()).extracting(Plugin::id).containsExactly("p@m");
    }

    @Test
    void failuresAreReportedNotThrownAndTimeIsBounded() {
        Path dies = Scripts.write(tmp, "dies", "echo 'Error: bad config' >&2\nexit 1");
        assertThat(new PluginDiscovery(dies, Duration.ofSeconds(10)).discover(tmp).error())
                .startsWith("plugin/list query failed").contains("Error: bad config");
        Path silent = Scripts.write(tmp, "silent", "cat >/dev/null");
        long start = System.nanoTime();
        PluginCatalog.Discovery d = new PluginDiscovery(silent, Duration.ofMillis(500)).discover(tmp);
        assertThat(d.error()).contains("initialize");
        // the script never answers: without the 500 ms bound this waits for ever; the 60 s only tells that from a slow machine
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
        assertThat(new PluginDiscovery(tmp.resolve("missing"), Duration.ofSeconds(1)).discover(tmp).error())
                .contains("cannot start");
    }
}
