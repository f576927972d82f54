package dev.codexbridge.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.TestDirs;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each tenant's workspace: where it is, what a thread may name as its cwd, what the namespace hides, the safe folder helper. */
class TenantWorkspacesTest {
    private final Path dir = TestDirs.create("tenant-workspaces");
    private final List<ClientOptions> started = new ArrayList<>();
    private final List<FakeCodex> fakes = new ArrayList<>();
    private final List<CodexTenants> opened = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        opened.forEach(CodexTenants::close);
        fakes.forEach(FakeCodex::shutdown);
        TestDirs.delete(dir);
    }

    private CodexTenants build(CodexTenants.Builder b) {
        b.launch(CodexLaunch.appServer(Path.of("/usr/bin/codex-not-run")).build())
                .hostEnvironment(Map.of("PATH", "/usr/bin:/bin"))
                .mountNamespace(Path.of("/usr/bin/bwrap"));
        b.connector = options -> {
            started.add(options);
            FakeCodex fake = new FakeCodex();
            fake.distinctThreads = true;
            fakes.add(fake);
            return CodexClient.builder().transport(fake.factory()).maxThreads(options.maxThreads()).connect();
        };
        CodexTenants t = b.build();
        opened.add(t);
        return t;
    }

    @Test
    void withoutAWorkspacesRootEachTenantsWorkspaceIsInItsOwnFolderAndCodexStartsThere() throws Exception {
        CodexTenants tenants = build(CodexTenants.builder().homesRoot(dir.resolve("homes")));
        Path root = dir.resolve("homes").toRealPath();
        Path alice = tenants.workspace("alice");
        assertThat(alice).isEqualTo(root.resolve("alice/workspace")).isDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(alice))).isEqualTo("rwx------");
        // a session that names no cwd runs in it: codex's working directory is the workspace
        tenants.newSession("bob", b -> { }).close();
        assertThat(started.get(0).launch().workingDirectory()).isEqualTo(root.resolve("bob/workspace"));
        // the namespace hides the homes root, which holds the workspaces, and gives codex a PID namespace of its own
        assertThat(started.get(0).launch().command()).containsSubsequence("--unshare-pid", "--proc", "/proc", "--tmpfs",
                root.toString(), "--bind", root.resolve("bob").toString(), root.resolve("bob").toString(), "--die-with-parent");
        // another tenant's workspace, or a folder shared by all, is refused
        for (Path bad : List.of(root.resolve("alice/workspace"), Files.createDirectories(dir.resolve("shared")), Path.of("/"))) {
            assertThatThrownBy(() -> tenants.newSession("bob", b -> b.cwd(bad))).as(bad.toString())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tenant bob")
                    .hasMessageContaining("is not the tenant's workspace " + root.resolve("bob/workspace"));
        }
        assertThat(tenants.usage("bob").threads()).isZero();
    }

    @Test
    void aWorkspacesRootHoldsOneFolderPerTenantAndEachNamespaceSeesOnlyItsOwn() throws Exception {
        CodexTenants tenants = build(CodexTenants.builder().homesRoot(dir.resolve("homes")).workspacesRoot(dir.resolve("work")));
        Path work = dir.resolve("work").toRealPath();
        Path homes = dir.resolve("homes").toRealPath();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(work))).isEqualTo("rwx------");
        Path alice = tenants.workspace("alice");
        assertThat(alice).isEqualTo(work.resolve("alice"));
        Path repo = Files.createDirectories(alice.resolve("repo"));
        try (CodexSession s = tenants.newSession("alice", b -> b.cwd(repo))) {
            assertThat(s.threadOptions().cwd()).isEqualTo(alice.resolve("repo"));
        }
        assertThat(started.get(0).launch().command()).containsSubsequence("--tmpfs", homes.toString(), "--bind",
                homes.resolve("alice").toString(), homes.resolve("alice").toString(), "--tmpfs", work.toString(), "--bind",
                alice.toString(), alice.toString(), "--die-with-parent", "--", "/usr/bin/codex-not-run");
        assertThat(started.get(0).launch().workingDirectory()).isEqualTo(alice);
        // bob's workspace by path, by '..' and through a link alice planted in her own workspace: all refused
        Path bob = tenants.workspace("bob");
        Path link = Files.createSymbolicLink(alice.resolve("to-bob"), bob);
        for (Path bad : List.of(bob, alice.resolve("../bob"), link, work, homes.resolve("alice/workspace"))) {
            assertThatThrownBy(() -> tenants.newSession("alice", b -> b.cwd(bad))).as(bad.toString())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not the tenant's workspace " + alice);
        }
        // a link planted as a tenant's workspace folder is refused, not followed
        Path target = Files.createDirectories(dir.resolve("elsewhere"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(work.resolve("carol"), target);
        assertThatThrownBy(() -> tenants.workspace("carol")).hasMessageContaining("refusing the symbolic link");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target, LinkOption.NOFOLLOW_LINKS))).isEqualTo("rwxr-xr-x");
    }

    /** What the host hides (the callers' tokens, its own codex home) is empty in every tenant's namespace, before the tenants' roots. */
    @Test
    void hiddenHostPathsAreEmptyInEveryTenantsNamespace() throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("host-codex-home"));
        Path tokens = Files.writeString(dir.resolve("tokens"), "alice a-token-of-sixteen-chars\n");
        CodexTenants tenants = build(CodexTenants.builder().homesRoot(dir.resolve("homes"))
                .hide(List.of(secrets, tokens, dir.resolve("not-there"))));
        tenants.newSession("alice", b -> { }).close();
        List<String> command = started.get(0).launch().command();
        assertThat(command).containsSubsequence("--dev-bind", "/", "/", "--tmpfs", secrets.toRealPath().toString(), "--ro-bind",
                "/dev/null", tokens.toRealPath().toString(), "--tmpfs", dir.resolve("homes").toRealPath().toString());
        assertThat(String.join(" ", command)).doesNotContain("not-there");
        // a hidden folder that holds the tenants' own roots would empty them: refused
        assertThatThrownBy(() -> build(CodexTenants.builder().homesRoot(dir.resolve("homes2")).hide(List.of(dir))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("holds the tenants' homes root");
    }

    @Test
    void workspacesRootsThatOverlapTheHomesOrLieUnderTmpAreRefused() {
        assertThatThrownBy(() -> build(CodexTenants.builder().homesRoot(dir.resolve("both")).workspacesRoot(dir.resolve("both/work"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("overlap");
        assertThatThrownBy(() -> build(CodexTenants.builder().homesRoot(dir.resolve("homes")).workspacesRoot(Path.of("/tmp/ws"))))
                .hasMessageContaining("workspace-write sandbox");
        try (CodexTenants remote = CodexTenants.builder().remote(t -> null).build()) {
            assertThatThrownBy(() -> remote.workspace("alice")).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void anUntrustedTenantIdBecomesAFolderDirectlyUnderTheRootOrAClearError() {
        Path root = Path.of("/srv/uploads");
        assertThat(TenantPaths.folderUnder(root, "alice")).isEqualTo(root.resolve("alice"));
        for (String hostile : List.of("../etc", "../../etc/passwd", "/etc", "..", ".", "a/../../b", "Alice", "alice@example.com", "a\\b")) {
            Path p = TenantPaths.folderUnder(root, hostile);
            assertThat(p.getParent()).as(hostile).isEqualTo(root);
            assertThat(p.getFileName().toString()).as(hostile).matches("_[0-9a-f]{32}");
        }
        assertThat(TenantPaths.folderName("Alice")).isNotEqualTo(TenantPaths.folderName("alice"));
        assertThatThrownBy(() -> TenantPaths.folderName("")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> TenantPaths.folderName("  ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TenantPaths.folderName("bob\u0000")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"bob\\u0000\"").hasMessageContaining("control character");
        assertThatThrownBy(() -> TenantPaths.folderName("x".repeat(257))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 256");
        assertThatThrownBy(() -> TenantPaths.folderName(null)).isInstanceOf(NullPointerException.class);
        // the tenants refuse the same ids before anything is made
        CodexTenants tenants = build(CodexTenants.builder().homesRoot(dir.resolve("homes")));
        assertThatThrownBy(() -> tenants.newSession("", b -> { })).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> tenants.workspace("a\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThat(started).isEmpty();
    }
}
