package dev.codexbridge.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.config.HostMcpConfig;
import dev.codexbridge.config.PluginCatalog;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.support.Scripts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The switch's rules without a real codex: a script answering {@code --version} stands in for it,
 * plugin discovery is off, the state lives in memory or in a store that fails on purpose.
 */
class RuntimeSwitchTest {
    @TempDir
    Path tmp;

    Path home;
    Path codex169;
    Path codex130;
    StateStore store;
    RuntimeGate gate;

    @BeforeEach
    void setUp() throws Exception {
        home = Files.createDirectories(tmp.resolve("codex-home"));
        codex169 = Scripts.write(tmp.resolve("v169"), "codex", "echo 'codex-cli 0.169.0'");
        codex130 = Scripts.write(tmp.resolve("v130"), "codex", "echo 'codex-cli 0.130.0'");
        store = StateStore.memory();
        gate = new RuntimeGate();
    }

    private RuntimeSwitch.Builder sw(Path codex) {
        return RuntimeSwitch.builder().launch(CodexLaunch.appServer(codex).codexHome(home).build()).stateStore(store).gate(gate)
                .pluginSource(b -> PluginCatalog.none());
    }

    private Path mcp(String name, String json) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, json);
        return f;
    }

    private String config() throws Exception {
        return Files.readString(home.resolve("config.toml"));
    }

    @Test
    void enableWritesWorkspaceByDefaultAndRecordsWhatItMigratedAndWhen() throws Exception {
        Path f = mcp("mcp.json", "{\"mcpServers\":{\"fetch\":{\"command\":\"uvx\",\"args\":[\"mcp-server-fetch\"]}}}");
        RuntimeSwitch s = sw(codex169).hostConfigFile(f).build();
        assertThat(s.isEnabled()).isFalse();

        RuntimeSwitch.EnableResult r = s.enable();

        assertThat(r.enabled()).as(r.problem()).isTrue();
        assertThat(r.requiresNewSession()).isTrue();
        assertThat(config()).contains("default_permissions = \":workspace\"").contains("[mcp_servers.fetch]");
        assertThat(s.isEnabled()).isTrue();
        RuntimeState st = s.state().orElseThrow();
        assertThat(st).isEqualTo(r.state());
        assertThat(st.changedAt()).isNotBlank();
        assertThat(st.codexVersion()).isEqualTo("0.169.0");
        assertThat(st.codexBinary()).isEqualTo(codex169.toString());
        assertThat(st.mcpSources()).extracting(RuntimeState.McpSource::path).containsExactly(f.toAbsolutePath().toString());
        assertThat(st.permissions()).as("the user chose none").isNull();
        assertThat(st.defaultPermissions()).isEqualTo(":workspace");
        assertThat(st.migratedServers()).containsExactly("fetch");
        assertThat(st.configFile()).isEqualTo(home.resolve("config.toml").toString());
    }

    @Test
    void aUsersChoiceWinsOverTheDefaultAndTheirOwnKeyOutsideTheBlockIsKept() throws Exception {
        assertThat(sw(codex169).defaultPermissions(":read-only").build().enable().enabled()).isTrue();
        assertThat(config()).contains("default_permissions = \":read-only\"").doesNotContain(":workspace");
        assertThat(store.load().orElseThrow().permissions()).isEqualTo(":read-only");

        Files.writeString(home.resolve("config.toml"), "default_permissions = \":read-only\"\n");
        RuntimeSwitch.EnableResult r = sw(codex169).forgetInputs(true).build().enable();
        assertThat(r.enabled()).isTrue();
        assertThat(config()).doesNotContain(":workspace");
        assertThat(r.migration().warnings()).anyMatch(w -> w.contains("kept yours"));
        assertThat(r.state().defaultPermissions()).as("the block holds none").isNull();
    }

    @Test
    void aPlainReEnableAppliesTheRememberedConfigsPermissionsAndPluginChoiceAgain() throws Exception {
        Path f = mcp("mcp.json", "{\"mcpServers\":{\"fetch\":{\"command\":\"uvx\"}}}");
        HostMcpConfig inMemory = HostMcpConfig.parse("{\"mcpServers\":{\"mem\":{\"url\":\"http://localhost:1/mcp\"}}}", false, "t");
        List<String> pluginCalls = new ArrayList<>();
        assertThat(sw(codex169).hostConfigFile(f).hostConfig(inMemory).defaultPermissions("read-only").discoverPlugins(false)
                .build().enable().enabled()).isTrue();
        assertThat(sw(codex169).build().disable(true).disabled()).isTrue();
        assertThat(Files.readString(home.resolve("config.toml"))).doesNotContain("fetch");
        // the file changed since: a re-enable re-reads it
        Files.writeString(f, "{\"mcpServers\":{\"fetch\":{\"command\":\"uvx\"},\"git\":{\"command\":\"git-mcp\"}}}");

        RuntimeSwitch.EnableResult again = sw(codex169).pluginSource(b -> {
            pluginCalls.add("called");
            return PluginCatalog.none();
        }).build().enable();

        assertThat(again.enabled()).as(again.problem()).isTrue();
        assertThat(again.migration().migratedServers()).containsExactlyInAnyOrder("fetch", "git", "mem");
        assertThat(config()).contains("default_permissions = \":read-only\"");
        assertThat(pluginCalls).as("--no-plugins is remembered").isEmpty();
        assertThat(again.state().permissions()).isEqualTo("read-only");
    }

    @Test
    void givenInputsReplaceTheRememberedOnesAndForgetDropsThem() throws Exception {
        Path a = mcp("a.json", "{\"mcpServers\":{\"a\":{\"command\":\"a\"}}}");
        Path b = mcp("b.json", "{\"mcpServers\":{\"b\":{\"command\":\"b\"}}}");
        sw(codex169).hostConfigFile(a).defaultPermissions(":read-only").build().enable();
        RuntimeSwitch.EnableResult r = sw(codex169).hostConfigFile(b).build().enable();
        assertThat(r.migration().migratedServers()).containsExactly("b");
        assertThat(config()).contains(":read-only").as("permissions still remembered");

        RuntimeSwitch.EnableResult fresh = sw(codex169).forgetInputs(true).build().enable();
        assertThat(fresh.migration().migratedServers()).isEmpty();
        assertThat(config()).contains("default_permissions = \":workspace\"").doesNotContain("[mcp_servers");
        assertThat(fresh.state().mcpSources()).isEmpty();
    }

    @Test
    void aRememberedFileThatIsGoneRefusesAndChangesNothing() throws Exception {
        Path f = mcp("mcp.json", "{\"mcpServers\":{\"fetch\":{\"command\":\"uvx\"}}}");
        sw(codex169).hostConfigFile(f).build().enable();
        String before = config();
        RuntimeState state = store.load().orElseThrow();
        Files.delete(f);

        RuntimeSwitch.EnableResult r = sw(codex169).build().enable();

        assertThat(r.enabled()).isFalse();
        assertThat(r.problem()).contains("mcp.json").contains("nothing was changed");
        assertThat(config()).isEqualTo(before);
        assertThat(store.load()).contains(state);
    }

    @Test
    void theNoSandboxProfileIsNamedAsTheDetectedCodexNamesIt() throws Exception {
        RuntimeSwitch.EnableResult old = sw(codex130).defaultPermissions(":danger-full-access").build().enable();
        assertThat(old.enabled()).as(old.problem()).isTrue();
        assertThat(config()).contains("default_permissions = \":danger-no-sandbox\"");

        RuntimeSwitch.EnableResult pinned = sw(codex169).defaultPermissions(":danger-no-sandbox").build().enable();
        assertThat(pinned.migration().errors()).isEmpty();
        assertThat(config()).contains("default_permissions = \":danger-full-access\"");

        RuntimeSwitch.EnableResult dflt = sw(codex130).forgetInputs(true).build().enable();
        assertThat(config()).contains("default_permissions = \":workspace\"");
        assertThat(dflt.state().codexVersion()).isEqualTo("0.130.0");
    }

    @Test
    void anUnknownProfileIsReportedNotWrittenAndDoesNotBlock() throws Exception {
        RuntimeSwitch.EnableResult r = sw(codex169).defaultPermissions(":workspace-write").build().enable();
        assertThat(r.enabled()).isTrue();
        assertThat(r.migration().errors()).anyMatch(e -> e.contains(":workspace-write"));
        assertThat(Files.exists(home.resolve("config.toml")) ? config() : "").doesNotContain("default_permissions");
    }

    @Test
    void aServerThatCannotBeMigratedIsReportedNotBlockingEvenWhenTheBlockIsUnchanged() throws Exception {
        Path f = mcp("mcp.json", "{\"mcpServers\":{\"ok\":{\"command\":\"x\"},\"broken\":{}}}");
        RuntimeSwitch.EnableResult first = sw(codex169).hostConfigFile(f).build().enable();
        assertThat(first.enabled()).isTrue();
        assertThat(first.migration().errors()).anyMatch(e -> e.contains("broken"));
        RuntimeSwitch.EnableResult second = sw(codex169).build().enable();
        assertThat(second.migration().written()).isFalse();
        assertThat(second.enabled()).as("the same per-server error on an unchanged block").isTrue();
    }

    @Test
    void aConfigThatCannotBeUpdatedLeavesTheRuntimeOff() throws Exception {
        Files.writeString(home.resolve("config.toml"), "model = \n");
        RuntimeSwitch.EnableResult r = sw(codex169).build().enable();
        assertThat(r.enabled()).isFalse();
        assertThat(r.problem()).contains("not valid TOML").contains("not enabled");
        assertThat(store.load()).isEmpty();
        assertThat(config()).isEqualTo("model = \n");
    }

    /** Saves fail, as a full disk or a read-only host config would make them. */
    private static final class FailingStore implements StateStore {
        final StateStore inner = StateStore.memory();
        boolean fail = true;

        @Override
        public Optional<RuntimeState> load() {
            return inner.load();
        }

        @Override
        public void save(RuntimeState state) {
            if (fail) {
                throw new IllegalStateException("disk full");
            }
            inner.save(state);
        }
    }

    @Test
    void whenTheStateCannotBeSavedTheConfigIsPutBackByteForByte() throws Exception {
        String user = "# mine\r\nmodel = \"gpt\"\r\n\r\n[profiles.x]\r\nmodel = \"y\"\r\n";
        Files.writeString(home.resolve("config.toml"), user);
        FailingStore failing = new FailingStore();
        AtomicReference<RuntimeState> seen = new AtomicReference<>();

        RuntimeSwitch.EnableResult r = sw(codex169).stateStore(failing).onChange(seen::set)
                .hostConfigFile(mcp("mcp.json", "{\"mcpServers\":{\"fetch\":{\"command\":\"uvx\"}}}")).build().enable();

        assertThat(r.enabled()).isFalse();
        assertThat(r.migration().written()).as("the config had been written").isTrue();
        assertThat(r.problem()).contains("disk full").contains("was put back as it was");
        assertThat(config()).isEqualTo(user);
        assertThat(failing.load()).isEmpty();
        assertThat(seen.get()).as("no listener for a switch that did not happen").isNull();
        assertThat(Files.list(home).map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }

    @Test
    void whenTheStateCannotBeSavedANewConfigIsRemovedAgain() throws Exception {
        RuntimeSwitch.EnableResult r = sw(codex169).stateStore(new FailingStore()).build().enable();
        assertThat(r.enabled()).isFalse();
        assertThat(home.resolve("config.toml")).doesNotExist();
    }

    @Test
    void disableWithTheBlockRemovedIsAllOrNothingToo() throws Exception {
        FailingStore failing = new FailingStore();
        failing.fail = false;
        sw(codex169).stateStore(failing).build().enable();
        String enabledConfig = config();
        failing.fail = true;

        RuntimeSwitch.DisableResult r = sw(codex169).stateStore(failing).build().disable(true);

        assertThat(r.disabled()).isFalse();
        assertThat(r.problem()).contains("disk full").contains("put back");
        assertThat(config()).isEqualTo(enabledConfig);
        assertThat(failing.load().orElseThrow().enabled()).isTrue();
    }

    @Test
    void disableNeedsNoCodexKeepsTheInputsAndTellsListeners() throws Exception {
        Path f = mcp("mcp.json", "{\"mcpServers\":{\"fetch\":{\"command\":\"uvx\"}}}");
        sw(codex169).hostConfigFile(f).defaultPermissions(":read-only").build().enable();
        AtomicReference<RuntimeState> seen = new AtomicReference<>();

        RuntimeSwitch.DisableResult r = sw(tmp.resolve("no-codex")).onChange(seen::set).build().disable(false);

        assertThat(r.disabled()).isTrue();
        assertThat(r.requiresNewSession()).isTrue();
        assertThat(seen.get()).isEqualTo(r.state());
        assertThat(r.state().enabled()).isFalse();
        assertThat(r.state().mcpSources()).hasSize(1);
        assertThat(r.state().permissions()).isEqualTo(":read-only");
        assertThat(config()).as("the block stays without --remove-block").contains("[mcp_servers.fetch]");
    }

    @Test
    void noFlipUnderARunningTurn() throws Exception {
        Files.writeString(home.resolve("config.toml"), "model = \"x\"\n");
        RuntimeGate.TurnPermit turn = gate.enterTurn();

        RuntimeSwitch.EnableResult on = sw(codex169).build().enable();
        assertThat(on.enabled()).isFalse();
        assertThat(on.problem()).contains("a turn is running");
        assertThat(config()).isEqualTo("model = \"x\"\n");
        assertThat(store.load()).isEmpty();

        turn.close();
        turn.close(); // idempotent: one turn, counted once
        assertThat(gate.running()).isZero();
        assertThat(sw(codex169).build().enable().enabled()).isTrue();

        try (RuntimeGate.TurnPermit t = gate.enterTurn()) {
            RuntimeSwitch.DisableResult off = sw(codex169).build().disable(true);
            assertThat(off.disabled()).isFalse();
            assertThat(off.problem()).contains("a turn is running");
        }
        assertThat(store.load().orElseThrow().enabled()).isTrue();
    }

    @Test
    void aHostsOwnTurnCheckRefusesAFlipAndAFailingCheckCountsAsBusy() {
        assertThat(sw(codex169).turnsRunning(() -> true).build().enable().problem()).contains("a turn is running");
        assertThat(sw(codex169).turnsRunning(() -> {
            throw new IllegalStateException("db down");
        }).build().disable(false).disabled()).isFalse();
        assertThat(store.load()).isEmpty();
        assertThat(gate.tryEnterTurn()).as("a refused switch releases the gate").isPresent();
    }

    @Test
    void aTurnCannotStartWhileTheSwitchIsFlipping() throws Exception {
        AtomicReference<Optional<RuntimeGate.TurnPermit>> during = new AtomicReference<>();
        StateStore observing = new StateStore() {
            @Override
            public Optional<RuntimeState> load() {
                return store.load();
            }

            @Override
            public void save(RuntimeState state) {
                during.set(gate.tryEnterTurn());
                store.save(state);
            }
        };
        assertThat(sw(codex169).stateStore(observing).build().enable().enabled()).isTrue();
        assertThat(during.get()).isEmpty();
        assertThat(gate.tryEnterTurn()).isPresent();
    }

    @Test
    void aTurnWaitingOnTheGateEntersOnceTheSwitchIsDone() throws Exception {
        assertThat(gate.tryBeginSwitch()).isTrue();
        Thread waiter = new Thread(() -> {
            try (RuntimeGate.TurnPermit t = gate.enterTurn()) {
                // entered
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        waiter.join(200);
        assertThat(waiter.isAlive()).as("waits while switching").isTrue();
        gate.endSwitch();
        waiter.join(5_000);
        assertThat(waiter.isAlive()).isFalse();
        assertThat(gate.running()).isZero();
    }

    @Test
    void withoutAUsableCodexEnableChangesNothing() throws Exception {
        Path tooOld = Scripts.write(tmp.resolve("v120"), "codex", "echo 'codex-cli 0.120.0'");
        RuntimeSwitch.EnableResult r = sw(tooOld).build().enable();
        assertThat(r.enabled()).isFalse();
        assertThat(r.codexBinary()).isNull();
        assertThat(r.problem()).contains("0.120.0");
        assertThat(home.resolve("config.toml")).doesNotExist();
        assertThat(store.load()).isEmpty();
    }

    @Test
    void theFileStoreKeepsTheRememberedInputsAndReadsAnOlderStateFile() throws Exception {
        Path file = tmp.resolve("state/runtime.json");
        StateStore fs = StateStore.file(file);
        HostMcpConfig inMemory = HostMcpConfig.parse("{\"mcpServers\":{\"mem\":{\"command\":\"m\",\"env\":{\"K\":\"v\"}}}}", false, "t");
        RuntimeSwitch.EnableResult r = sw(codex169).stateStore(fs).hostConfig(inMemory).build().enable();
        assertThat(fs.load()).contains(r.state());
        assertThat(fs.load().orElseThrow().mcpSources().get(0).servers().path("mem").path("env").path("K").asText()).isEqualTo("v");

        Files.writeString(file, "{\"enabled\":true,\"changedAt\":\"2026-01-01T00:00:00Z\",\"codexVersion\":\"0.169.0\"}");
        RuntimeState old = fs.load().orElseThrow();
        assertThat(old.enabled()).isTrue();
        assertThat(old.mcpSources()).isEmpty();
        assertThat(sw(codex169).stateStore(fs).build().enable().enabled()).isTrue();
    }

    /** Issue 26, finding 8: the state may remember env values; a damaged file is described by where, not what. */
    @Test
    void aDamagedStateFileIsReportedWithoutItsContent() throws Exception {
        Path file = tmp.resolve("state/runtime.json");
        Files.createDirectories(file.getParent());
        StateStore fs = StateStore.file(file);
        String secret = "ghp_FAKEstateTOKEN0000000000000000000";
        Files.writeString(file, "{\"enabled\":true,\"mcpSources\":[{\"servers\":{\"mem\":{\"env\":{\"K\":" + secret + "}}}}]}");
        RuntimeSwitch.EnableResult broken = sw(codex169).stateStore(fs).build().enable();
        assertThat(broken.enabled()).isFalse();
        assertThat(broken.problem()).contains("not valid JSON at line 1, column 61").doesNotContain("ghp_").doesNotContain("FAKE");

        Files.writeString(file, "{\"enabled\":\"" + secret + "\"}");
        RuntimeSwitch.EnableResult mistyped = sw(codex169).stateStore(fs).build().enable();
        assertThat(mistyped.problem()).contains("not a runtime state this version of codex-bridge reads")
                .doesNotContain("ghp_").doesNotContain("FAKE");
        assertThat(home.resolve("config.toml")).doesNotExist();
    }

    @Test
    void statusShowsWhenAndWhatIsRemembered() throws Exception {
        Path f = mcp("mcp.json", "{\"mcpServers\":{\"fetch\":{\"command\":\"uvx\"}}}");
        sw(codex169).hostConfigFile(f).defaultPermissions(":read-only").build().enable();
        RuntimeStatus s = sw(codex169).build().status(false);
        assertThat(s.enabled()).isTrue();
        assertThat(s.state()).isEqualTo(store.load().orElseThrow());
        assertThat(s.summary()).contains("enabled since " + s.state().changedAt())
                .contains("remembered for re-enable: 1 MCP config(s) " + f.toAbsolutePath())
                .contains("permissions :read-only")
                .contains("default_permissions :read-only");
    }

    @Test
    void statusNamesTheBinarysOwnVersionAndANewerOneIsUsedWithOneLineSayingWhatWasTested() throws Exception {
        Path codex172 = Scripts.write(tmp.resolve("v172"), "codex", "echo 'codex-cli 0.172.0'");
        RuntimeStatus s = sw(codex172).build().status(false);
        assertThat(s.codexVersion()).isEqualTo("0.172.0");
        assertThat(s.codexNote()).isEqualTo("codex 0.172.0 is newer than 0.171.0, the release codex-bridge " + dev.codexbridge.BuildInfo.version()
                + " is tested on; it is used all the same (the releases tested and how each differs: docs/compatibility.md)");
        assertThat(s.summary()).contains("codex: " + codex172 + " (0.172.0)\nnote: " + s.codexNote() + "\n");
        assertThat(s.toJson()).contains("\"codexNote\":\"codex 0.172.0 is newer than 0.171.0");
        RuntimeSwitch.EnableResult r = sw(codex172).build().enable();
        assertThat(r.enabled()).as("a newer codex is not refused: %s", r.problem()).isTrue();
        assertThat(r.codexVersion()).isEqualTo("0.172.0");

        RuntimeStatus pinned = sw(codex169).build().status(false);
        assertThat(pinned.codexNote()).isNull();
        assertThat(pinned.summary()).doesNotContain("note:");
        assertThat(sw(codex130).build().status(false).codexNote()).as("older, above the floor: as today").isNull();
    }
}
