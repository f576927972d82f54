package dev.codexbridge.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.protocol.InitializeParams;
import dev.codexbridge.rpc.Inbox;
import dev.codexbridge.rpc.JsonRpcMessage;
import dev.codexbridge.rpc.RpcTimeoutException;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.Scripts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process layer against fake codex children that misbehave on purpose. */
class CodexProcessTest {
    private static final Duration SHORT = Duration.ofMillis(300);
    private static final InitializeParams INIT = new InitializeParams(null, new ClientInfo("t", null, "0"));

    @TempDir
    Path tmp;

    private CodexLaunch.Builder fake(String body) {
        return CodexLaunch.command(Scripts.write(tmp, "fake-codex", body))
                .shutdownGrace(SHORT, SHORT, Duration.ofSeconds(2));
    }

    private static Set<String> threadsNamedFor(long pid) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.endsWith("-" + pid) && n.startsWith("codex-bridge-"))
                .collect(Collectors.toSet());
    }

    @Test
    void earlyExitBeforeInitializeIsAProcessExceptionWithExitCodeAndStderrTail() {
        CodexLaunch launch = fake("echo 'loading config' >&2\n"
                + "echo 'Error: approval_policy = \"untrusted\" is no longer supported; remove this setting' >&2\n"
                + "exit 1").build();
        try (CodexConnection conn = CodexConnection.open(launch, b -> { })) {
            assertThatThrownBy(() -> conn.call("initialize", INIT, Duration.ofMinutes(5)))
                    .isInstanceOf(CodexProcessException.class)
                    .hasMessageContaining("exited with code 1 before answering initialize")
                    .hasMessageContaining("Error: approval_policy = \"untrusted\" is no longer supported")
                    .satisfies(e -> {
                        CodexProcessException pe = (CodexProcessException) e;
                        assertThat(pe.exitCode()).hasValue(1);
                        assertThat(pe.stderrTail()).contains("loading config");
                    });
        }
    }

    /**
     * Codex writes its last messages after its stdin closed (a stop): its stdout is still read then,
     * until it exits. Closed first, the write failed (SIGPIPE here; codex logs "Failed to write to
     * stdout: Broken pipe" at ERROR).
     */
    @Test
    void whatCodexWritesAfterAStopsClosedStdinIsReadNotAClosedPipe() {
        CodexLaunch launch = fake("cat > /dev/null\nsleep 0.2\n"
                + "for i in 1 2 3; do echo '{\"jsonrpc\":\"2.0\",\"method\":\"late\"}'; done\nexit 0")
                .shutdownGrace(Duration.ofSeconds(10), SHORT, Duration.ofSeconds(2)).build();
        CodexConnection conn = CodexConnection.open(launch, b -> { });
        conn.close();
        assertThat(conn.process().exitFuture().join()).as("codex's exit code: 141 had its write met a closed pipe").isZero();
    }

    @Test
    void killedWhileARequestIsPendingWakesTheWaiterAtOnce() {
        CodexLaunch launch = fake("read line\nkill -9 $$").build();
        try (CodexConnection conn = CodexConnection.open(launch, b -> { })) {
            CompletableFuture<JsonNode> f = conn.request("thread/start", null, Duration.ofMinutes(10));
            assertThatThrownBy(f::join).hasCauseInstanceOf(CodexProcessException.class)
                    .hasMessageContaining("exited with code 137");
        }
    }

    @Test
    void stdoutClosedWhileTheProcessLivesOnFailsRequestsAndStopsTheProcess() {
        CodexLaunch launch = fake("exec 1>&-\nexec sleep 60").build();
        CodexConnection conn = CodexConnection.open(launch, b -> { });
        try {
            assertThatThrownBy(() -> conn.call("initialize", null, Duration.ofMinutes(5)))
                    .isInstanceOf(CodexProcessException.class)
                    .hasMessageContaining("closed its output while still running, before answering initialize");
            await().atMost(Duration.ofSeconds(60)).until(() -> !conn.process().isAlive());
        } finally {
            conn.close();
        }
    }

    @Test
    void aCodexStoppedBecauseItClosedItsOutputIsDescribedByThatNotByTheExitCodeTheLadderCaused() {
        CodexLaunch launch = fake("exec 1>&-\nexec sleep 60").build();
        CodexConnection conn = CodexConnection.open(launch, b -> { });
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> !conn.process().isAlive());
            assertThat(conn.process().deathException("before answering initialize", Duration.ofSeconds(1), null))
                    .hasMessageContaining("closed its output while still running, before answering initialize")
                    .hasMessageNotContaining("exited with code");
        } finally {
            conn.close();
        }
    }

    @Test
    void megabytesOfStderrNeitherBlockTheChildNorGrowMemory() {
        CodexLaunch launch = fake("head -c 8000000 /dev/zero | tr '\\0' 'e' >&2\n"
                + "i=0; while [ $i -lt 3000 ]; do echo \"warn line $i token=sk-abcdefghijklmnop\" >&2; i=$((i+1)); done\n"
                + "read line\n"
                + "printf '{\"id\":1,\"result\":{\"ok\":true}}\\n'\n"
                + "cat >/dev/null").stderrLines(100).build();
        try (CodexConnection conn = CodexConnection.open(launch, b -> { })) {
            assertThat(conn.call("ping", null, Duration.ofSeconds(30)).path("ok").asBoolean()).isTrue();
            await().atMost(Duration.ofSeconds(60)).until(() -> conn.process().stderrBytes() > 8_000_000);
            List<String> tail = conn.process().stderrTail(1000);
            assertThat(tail).hasSize(100);
            assertThat(tail.get(99)).isEqualTo("warn line 2999 token=***");
            assertThat(tail).noneMatch(l -> l.contains("abcdefghijklmnop"));
        }
    }

    @Test
    void aHugeStderrLineIsCappedInTheTail() {
        CodexLaunch launch = fake("head -c 3000000 /dev/zero | tr '\\0' 'x' >&2\necho >&2\necho done >&2\ncat >/dev/null").build();
        try (CodexProcess p = CodexProcess.start(launch)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> p.stderrTail(5).contains("done"));
            List<String> tail = p.stderrTail(5);
            assertThat(tail.get(0)).hasSize(StderrTail.MAX_LINE_CHARS + 1).endsWith("…");
        }
    }

    @Test
    void aRequestCodexNeverAnswersTimesOutAndTheLadderKillsAProcessThatIgnoresSigterm() {
        CodexLaunch launch = fake("trap '' TERM\nwhile true; do sleep 1; done").build();
        CodexConnection conn = CodexConnection.open(launch, b -> { });
        long pid = conn.process().pid();
        assertThatThrownBy(() -> conn.call("initialize", null, Duration.ofMillis(200)))
                .isInstanceOf(RpcTimeoutException.class);
        int code = conn.process().shutdown();
        assertThat(code).isEqualTo(137);
        assertThat(ProcessHandle.of(pid)).isEmpty();
        conn.close();
    }

    /** Under a wrapper (the tenants' bubblewrap) the pid a message names is codex's, not the wrapper's. */
    @Test
    void underAWrapperThePidIsCodexsNotTheWrappers() throws Exception {
        java.nio.file.Path binary = tmp.resolve("codex");
        java.nio.file.Files.copy(java.nio.file.Path.of("/bin/sleep"), binary);
        binary.toFile().setExecutable(true);
        CodexLaunch launch = CodexLaunch.command(binary).argument("30")
                .wrapper(java.util.List.of("/bin/sh", "-c", "\"$@\"; exit 0", "wrapper"))
                .shutdownGrace(SHORT, SHORT, Duration.ofSeconds(2)).build();
        try (CodexConnection conn = CodexConnection.open(launch, b -> { })) {
            CodexProcess p = conn.process();
            // the wrapper starts the binary a moment after it starts itself: look until it has
            long deadline = System.nanoTime() + 10_000_000_000L;
            java.util.Optional<ProcessHandle> found = java.util.Optional.empty();
            while (found.isEmpty() && System.nanoTime() < deadline) {
                found = ProcessHandle.current().children().filter(h -> h.info().command().orElse("").endsWith("sh")
                        && h.descendants().anyMatch(d -> d.info().command().orElse("").equals(binary.toString()))).findFirst();
                if (found.isEmpty()) {
                    Thread.sleep(50);
                }
            }
            long wrapper = found.orElseThrow(() -> new AssertionError("no wrapper running the binary within 10 s")).pid();
            while (p.pid() == wrapper && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            long codex = ProcessHandle.of(p.pid()).orElseThrow().info().command().map(c -> c.equals(binary.toString()) ? 1L : 0L)
                    .orElse(0L);
            assertThat(p.pid()).isNotEqualTo(wrapper);
            assertThat(codex).as("the pid named runs the codex binary").isEqualTo(1L);
        }
    }

    @Test
    void aWellBehavedChildStopsAtTheFirstRungWhenStdinCloses() {
        try (CodexProcess p = CodexProcess.start(fake("cat >/dev/null; exit 0").build())) {
            assertThat(p.shutdown()).isZero();
            assertThat(CodexProcess.isCleanExit(0)).isTrue();
        }
    }

    @Test
    void descendantsThatOutliveCodexAreKilled() throws Exception {
        Path pidFile = tmp.resolve("child.pid");
        CodexLaunch launch = fake("sleep 300 &\necho $! > '" + pidFile + "'\ncat >/dev/null").build();
        CodexProcess p = CodexProcess.start(launch);
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(pidFile) && Files.size(pidFile) > 0);
        long child = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(ProcessHandle.of(child)).isPresent();
        p.close();
        await().atMost(Duration.ofSeconds(60)).until(() -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
    }

    @Test
    void aLeftoverDescendantThatIgnoresSigtermIsKilled() throws Exception {
        Path pidFile = tmp.resolve("stubborn.pid");
        CodexLaunch launch = fake("sh -c 'trap \"\" TERM; while :; do sleep 1; done' &\necho $! > '" + pidFile
                + "'\ncat >/dev/null").build();
        CodexProcess p = CodexProcess.start(launch);
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(pidFile) && Files.size(pidFile) > 0);
        long child = Long.parseLong(Files.readString(pidFile).strip());
        await().atMost(Duration.ofSeconds(60)).until(() -> p.pid() != child && ProcessHandle.of(child).isPresent());
        p.close();
        await().atMost(Duration.ofSeconds(60)).until(() -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
    }

    @Test
    void closeIsIdempotentAndSafeFromTwoThreadsAndLeavesNoThreadBehind() throws Exception {
        CodexConnection conn = CodexConnection.open(fake("trap '' TERM\ncat >/dev/null\nsleep 30").build(), b -> { });
        long pid = conn.process().pid();
        assertThat(threadsNamedFor(pid)).hasSize(2);
        Thread a = new Thread(conn::close);
        Thread b = new Thread(conn::close);
        a.start();
        b.start();
        a.join(20_000);
        b.join(20_000);
        assertThat(a.isAlive() || b.isAlive()).isFalse();
        conn.close();
        assertThat(conn.process().isAlive()).isFalse();
        await().atMost(Duration.ofSeconds(60)).until(() -> threadsNamedFor(pid).isEmpty());
    }

    @Test
    void environmentOverlaysCodexHomeOnlyWhenGivenAndNeverTouchesHome() throws Exception {
        String script = "printf '{\"method\":\"env\",\"params\":{\"home\":\"%s\",\"codexHome\":\"%s\",\"rustLog\":\"%s\",\"extra\":\"%s\"}}\\n'"
                + " \"$HOME\" \"${CODEX_HOME-unset}\" \"${RUST_LOG-unset}\" \"${BRIDGE_EXTRA-unset}\"\ncat >/dev/null";
        Map<String, JsonNode> seen = new HashMap<>();
        for (boolean withHome : new boolean[] {true, false}) {
            CodexLaunch.Builder b = fake(script).environment("BRIDGE_EXTRA", "yes");
            if (withHome) {
                b.codexHome(tmp.resolve("codex-home"));
            }
            Inbox inbox = new Inbox();
            try (CodexConnection conn = CodexConnection.open(b.build(), p -> p.inbound(inbox))) {
                JsonRpcMessage.Inbound m = inbox.poll(Duration.ofSeconds(10));
                seen.put(withHome ? "with" : "without", m.params());
            }
        }
        String home = System.getenv("HOME");
        assertThat(seen.get("with").path("home").asText()).isEqualTo(home);
        assertThat(seen.get("with").path("codexHome").asText()).isEqualTo(tmp.resolve("codex-home").toString());
        assertThat(seen.get("without").path("home").asText()).isEqualTo(home);
        assertThat(seen.get("without").path("codexHome").asText())
                .isEqualTo(System.getenv().getOrDefault("CODEX_HOME", "unset"));
        assertThat(seen.get("with").path("extra").asText()).isEqualTo("yes");
        assertThat(seen.get("with").path("rustLog").asText()).isEqualTo(System.getenv().getOrDefault("RUST_LOG", "warn"));
    }

    @Test
    void rustLogSetByTheCallerIsKept() {
        Map<String, String> env = new HashMap<>(Map.of("RUST_LOG", "debug", "HOME", "/users/alice"));
        CodexLaunch.appServer(Path.of("/bin/true")).codexHome(Path.of("/home/user/profile/codex")).build()
                .applyEnvironment(env);
        assertThat(env).containsEntry("RUST_LOG", "debug").containsEntry("HOME", "/users/alice")
                .containsEntry("CODEX_HOME", "/home/user/profile/codex");
    }

    @Test
    void codexsAllocatorReturnsFreedMemoryUnlessTheHostNamesItsOwnOptions() {
        Map<String, String> plain = new HashMap<>(Map.of("HOME", "/users/alice"));
        CodexLaunch.appServer(Path.of("/bin/true")).build().applyEnvironment(plain);
        assertThat(plain).containsEntry(CodexLaunch.ALLOCATOR_VARIABLE, "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0");

        Map<String, String> inherited = new HashMap<>(Map.of(CodexLaunch.ALLOCATOR_VARIABLE, "narenas:2"));
        CodexLaunch.appServer(Path.of("/bin/true")).build().applyEnvironment(inherited);
        assertThat(inherited).containsEntry(CodexLaunch.ALLOCATOR_VARIABLE, "narenas:2");

        Map<String, String> overlaid = new HashMap<>();
        CodexLaunch.appServer(Path.of("/bin/true")).environment(CodexLaunch.ALLOCATOR_VARIABLE, "").build().applyEnvironment(overlaid);
        assertThat(overlaid).containsEntry(CodexLaunch.ALLOCATOR_VARIABLE, "");
    }

    @Test
    void withheldVariablesAreRemovedFromTheInheritedEnvironmentButExplicitValuesStillPass() {
        Map<String, String> env = new HashMap<>(Map.of("HOME", "/users/alice", "OPENAI_API_KEY", "sk-keep",
                "GH_TOKEN", "ghp-secret", "AUXILIARY_VISION_API_KEY", "aux", "BOT_TOKEN", "bot"));
        CodexLaunch.appServer(Path.of("/bin/true"))
                .withholdEnvironment(List.of("GH_TOKEN", "BOT_TOKEN"))
                .withholdEnvironment(name -> name.startsWith("AUXILIARY_"))
                .environment("BOT_TOKEN", "set-by-caller")
                .build().applyEnvironment(env);
        assertThat(env).containsEntry("HOME", "/users/alice").containsEntry("OPENAI_API_KEY", "sk-keep")
                .containsEntry("BOT_TOKEN", "set-by-caller")
                .doesNotContainKeys("GH_TOKEN", "AUXILIARY_VISION_API_KEY");
    }

    @Test
    void aWithheldVariableNeverReachesTheChildProcess() throws Exception {
        String script = "printf '{\"method\":\"env\",\"params\":{\"home\":\"%s\"}}\\n' \"${HOME-unset}\"\ncat >/dev/null";
        Inbox inbox = new Inbox();
        try (CodexConnection conn = CodexConnection.open(
                fake(script).withholdEnvironment(List.of("HOME")).build(), p -> p.inbound(inbox))) {
            assertThat(inbox.poll(Duration.ofSeconds(10)).params().path("home").asText()).isEqualTo("unset");
        }
    }

    /** A host's environment: its own secrets, codex's credentials, and plain variables. */
    private static final Map<String, String> HOST_ENV = Map.of("HOME", "/users/alice", "PATH", "/usr/bin",
            "HOST_API_TOKEN", "host-token-value", "HOST_DB_PASSWORD", "db-pass", "aws_secret_access_key", "aws",
            "GOOGLE_APPLICATION_CREDENTIALS", "/creds.json", "SSH_KEY_PATH", "/k", "OPENAI_API_KEY", "sk-keep",
            "CODEX_API_KEY", "codex-keep", "CODEX_ACCESS_TOKEN", "access-keep");

    @Test
    void byDefaultSecretLookingVariablesAreWithheldButCodexsOwnCredentialsPass() {
        Map<String, String> env = new HashMap<>(HOST_ENV);
        CodexLaunch launch = CodexLaunch.appServer(Path.of("/bin/true")).build();
        assertThat(launch.environmentPolicy()).isEqualTo(EnvironmentPolicy.withholdSecrets());
        launch.applyEnvironment(env);
        assertThat(env).containsEntry("HOME", "/users/alice").containsEntry("PATH", "/usr/bin")
                .containsEntry("OPENAI_API_KEY", "sk-keep").containsEntry("CODEX_API_KEY", "codex-keep")
                .containsEntry("CODEX_ACCESS_TOKEN", "access-keep")
                .doesNotContainKeys("HOST_API_TOKEN", "HOST_DB_PASSWORD", "aws_secret_access_key",
                        "GOOGLE_APPLICATION_CREDENTIALS", "SSH_KEY_PATH");
    }

    @Test
    void theEnvironmentPolicyIsSwitchableAndAnExplicitValueAlwaysPasses() {
        Map<String, String> all = new HashMap<>(HOST_ENV);
        CodexLaunch.appServer(Path.of("/bin/true")).environmentPolicy(EnvironmentPolicy.inheritAll()).build()
                .applyEnvironment(all);
        assertThat(all).containsAllEntriesOf(HOST_ENV);

        Map<String, String> allowed = new HashMap<>(HOST_ENV);
        CodexLaunch.appServer(Path.of("/bin/true"))
                .environmentPolicy(EnvironmentPolicy.withholdSecrets().allow("SSH_KEY_PATH"))
                .environment("HOST_DB_PASSWORD", "set-by-caller")
                .build().toBuilder().build().applyEnvironment(allowed);
        assertThat(allowed).containsEntry("SSH_KEY_PATH", "/k").containsEntry("HOST_DB_PASSWORD", "set-by-caller")
                .containsEntry("OPENAI_API_KEY", "sk-keep").doesNotContainKeys("HOST_API_TOKEN");

        Map<String, String> both = new HashMap<>(HOST_ENV);
        CodexLaunch.appServer(Path.of("/bin/true")).environmentPolicy(EnvironmentPolicy.inheritAll())
                .withholdEnvironment(List.of("OPENAI_API_KEY")).build().applyEnvironment(both);
        assertThat(both).containsKey("HOST_API_TOKEN").doesNotContainKey("OPENAI_API_KEY");
    }

    @Test
    void aBaseEnvironmentReplacesThisProcesssAndThePolicyAppliesToIt() {
        Map<String, String> env = new HashMap<>(Map.of("FROM_THE_JVM", "x"));
        CodexLaunch launch = CodexLaunch.appServer(Path.of("/bin/true")).baseEnvironment(HOST_ENV).build();
        launch.applyEnvironment(env);
        assertThat(env).doesNotContainKeys("FROM_THE_JVM", "HOST_API_TOKEN").containsEntry("PATH", "/usr/bin")
                .containsEntry("RUST_LOG", "warn");
        assertThat(launch.baseEnvironment()).contains(HOST_ENV);
    }

    @Test
    void aSecretLookingHostVariableNeverReachesTheChildProcess() throws Exception {
        String script = "printf '{\"method\":\"env\",\"params\":{\"token\":\"%s\",\"path\":\"%s\"}}\\n' "
                + "\"${HOST_API_TOKEN-unset}\" \"${PATH-unset}\"\ncat >/dev/null";
        Map<String, String> base = new HashMap<>(System.getenv());
        base.put("HOST_API_TOKEN", "host-token-value");
        Inbox inbox = new Inbox();
        try (CodexConnection conn = CodexConnection.open(fake(script).baseEnvironment(base).build(), p -> p.inbound(inbox))) {
            JsonNode params = inbox.poll(Duration.ofSeconds(10)).params();
            assertThat(params.path("token").asText()).isEqualTo("unset");
            assertThat(params.path("path").asText()).isEqualTo(System.getenv("PATH"));
        }
    }

    @Test
    void extraArgumentsAndConfigOverridesFollowAppServer() {
        CodexLaunch l = CodexLaunch.appServer(Path.of("/opt/codex")).configOverride("model", "\"gpt 5\"").build();
        // the host's overrides, then the one that keeps codex's credentials from its commands
        assertThat(l.command()).containsExactly("/opt/codex", "app-server", "-c", "model=\"gpt 5\"", "-c",
                "shell_environment_policy.ignore_default_excludes=false");
        assertThat(l.toBuilder().build().command()).isEqualTo(l.command());
        assertThat(l.toBuilder().credentialsToCommands(true).build().command())
                .containsExactly("/opt/codex", "app-server", "-c", "model=\"gpt 5\"");
        assertThat(CodexLaunch.command(Path.of("/opt/codex")).argument("--version").build().command())
                .containsExactly("/opt/codex", "--version");
    }

    @Test
    void anAppServerLaunchWithoutABinaryLocatesCodexAsItStarts() {
        CodexLaunch l = CodexLaunch.appServer().configOverride("model", "\"gpt 5\"").build();
        assertThat(l.binary()).isNull();
        assertThat(l.command()).containsExactly(LiveCodex.binary().toString(), "app-server", "-c", "model=\"gpt 5\"", "-c",
                "shell_environment_policy.ignore_default_excludes=false");
    }

    @Test
    void aDetachedCodexRunsInItsOwnSessionSoATerminalsCtrlCMissesIt() throws Exception {
        Assumptions.assumeTrue(java.nio.file.Files.isExecutable(Path.of("/usr/bin/setsid")), "setsid available");
        try (CodexProcess p = CodexProcess.start(fake("cat >/dev/null").detachFromTerminal(true).build())) {
            // setsid(1) calls setsid() and then execs the command, so the new session shows up a moment later
            await().atMost(Duration.ofSeconds(60)).until(() -> sessionOf(p.pid()) == p.pid());
            assertThat(sessionOf(ProcessHandle.current().pid())).isNotEqualTo(p.pid());
        }
    }

    private static long sessionOf(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3]);
    }

    @Test
    void aBinaryThatCannotRunIsAClearProcessException() {
        assertThatThrownBy(() -> CodexProcess.start(CodexLaunch.appServer(tmp.resolve("missing")).build()))
                .isInstanceOf(CodexProcessException.class)
                .hasMessageContaining("cannot start " + tmp.resolve("missing"));
    }

    /**
     * Bubblewrap's {@code --die-with-parent} is the kernel's parent-death signal, sent when the
     * thread that started the process ends: a codex a web server's request thread (or a pool thread
     * with an idle timeout) started was killed with it. Started on the library's own thread, it lives on.
     */
    @Test
    void aCodexUnderBubblewrapOutlivesTheThreadThatStartedIt() throws Exception {
        Path bwrap = MountNamespace.bubblewrap(System.getenv("PATH"), LiveCodex.binary()).orElse(null);
        Assumptions.assumeTrue(bwrap != null, "bubblewrap available");
        CodexLaunch launch = fake("read line\necho \"answer $line\"\ncat >/dev/null").wrapper(MountNamespace.hiding(bwrap, List.of())).build();
        java.util.concurrent.atomic.AtomicReference<CodexProcess> started = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Path> task = new java.util.concurrent.atomic.AtomicReference<>();
        Thread starter = new Thread(() -> {
            try {
                task.set(Path.of("/proc").resolve(Files.readSymbolicLink(Path.of("/proc/thread-self"))));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            started.set(CodexProcess.start(launch));
        }, "short-lived-starter");
        starter.start();
        starter.join();
        // the kernel sends the parent-death signal as the thread's task ends, before the task leaves /proc
        await().atMost(Duration.ofSeconds(60)).until(() -> !Files.exists(task.get()));
        try (CodexProcess p = started.get()) {
            p.stdin().write("hello\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            p.stdin().flush();
            String answer = new java.io.BufferedReader(new java.io.InputStreamReader(p.stdout(), java.nio.charset.StandardCharsets.UTF_8)).readLine();
            assertThat(answer).as("codex still runs (exit code %s)", p.exitCode()).isEqualTo("answer hello");
        }
    }
}
