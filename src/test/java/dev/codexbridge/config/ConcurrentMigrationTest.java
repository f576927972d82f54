package dev.codexbridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.support.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlVersion;

/** Several threads and several processes migrating one CODEX_HOME at once. */
class ConcurrentMigrationTest {
    private static final String USER = "# mine\nmodel = \"gpt-5.5\"\n\n[features]\nunified_exec = true\n\n[mcp_servers.own]\ncommand = \"own\"\n";

    @TempDir
    Path tmp;

    private Path hostFile(int i) throws IOException {
        Path f = tmp.resolve("host-" + i + ".json");
        Files.writeString(f, "{\"mcpServers\":{\"server-" + i + "\":{\"command\":\"cmd-" + i + "\"},"
                + "\"shared\":{\"command\":\"shared-" + i + "\"}}}");
        return f;
    }

    private static Process spawnMigration(Path home, Path host) throws IOException {
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(), "dev.codexbridge.cli.Main",
                "migrate", "--codex-home", home.toString(), "--mcp-config", host.toString(), "--no-plugins", "--json"));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    @Test
    void threadsAndProcessesTogetherLoseNothingAndLeaveOneWholeBlock() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve("config.toml"), USER);
        int threads = 6;
        int processes = 3;
        List<Path> hosts = new ArrayList<>();
        for (int i = 0; i < threads + processes; i++) {
            hosts.add(hostFile(i));
        }
        List<Process> children = new ArrayList<>();
        for (int i = threads; i < threads + processes; i++) {
            children.add(spawnMigration(home, hosts.get(i)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<MigrationReport>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Path host = hosts.get(i);
            results.add(pool.submit(() -> {
                go.await();
                MigrationReport last = null;
                for (int round = 0; round < 5; round++) {
                    last = ConfigMigrator.builder().codexHome(home).hostConfig(HostMcpConfig.read(host)).build().migrate(false);
                }
                return last;
            }));
        }
        go.countDown();
        for (Future<MigrationReport> f : results) {
            assertThat(f.get(60, TimeUnit.SECONDS).errors()).isEmpty();
        }
        pool.shutdown();
        for (Process p : children) {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        }

        String result = Files.readString(home.resolve("config.toml"));
        TomlParseResult toml = Toml.parse(result, TomlVersion.V1_0_0);
        assertThat(toml.errors()).isEmpty();
        assertThat(ManagedBlock.strip(result).outside()).isEqualTo(USER);
        assertThat(ManagedBlock.strip(result).blocks()).isEqualTo(1);
        assertThat(toml.getString("mcp_servers.own.command")).isEqualTo("own");
        // The block is one migration's whole output, never a mix of two.
        int winner = -1;
        for (int i = 0; i < hosts.size(); i++) {
            if (toml.contains("mcp_servers.server-" + i)) {
                assertThat(winner).as("servers of two migrations in one block").isEqualTo(-1);
                winner = i;
            }
        }
        assertThat(winner).isNotNegative();
        assertThat(toml.getString("mcp_servers.shared.command")).isEqualTo("shared-" + winner);
        try (var files = Files.list(home)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(ConfigFiles.TEMP_SUFFIX));
        }
    }

    @Test
    void anotherProcessWaitsForTheLock() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("locked"));
        Path target = home.resolve("config.toml");
        Files.writeString(target, USER);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            try {
                ConfigFiles.locked(target, () -> {
                    held.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                });
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        holder.start();
        assertThat(held.await(60, TimeUnit.SECONDS)).isTrue();
        Process child = spawnMigration(home, hostFile(99));
        assertThat(child.waitFor(1500, TimeUnit.MILLISECONDS)).as("the child must wait while the lock is held").isFalse();
        assertThat(Files.readString(target)).isEqualTo(USER);
        release.countDown();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isZero();
        assertThat(Files.readString(target)).contains("[mcp_servers.server-99]");
        holder.join();
    }
}
