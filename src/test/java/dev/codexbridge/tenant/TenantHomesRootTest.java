package dev.codexbridge.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.LogCapture;
import dev.codexbridge.support.TestDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The homes root and the tenants' folders: where the root may be, its mode, links; the mount namespace each tenant's codex runs in. */
class TenantHomesRootTest {
    private final Path dir = TestDirs.create("homes-root");
    private final List<ClientOptions> started = new ArrayList<>();
    private final List<FakeCodex> fakes = new ArrayList<>();
    private final List<CodexTenants> opened = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        opened.forEach(CodexTenants::close);
        fakes.forEach(FakeCodex::shutdown);
        TestDirs.delete(dir);
    }

    private CodexTenants.Builder tenants(Path root) {
        CodexTenants.Builder b = CodexTenants.builder().homesRoot(root)
                .launch(CodexLaunch.appServer(Path.of("/usr/bin/codex-not-run")).build())
                .hostEnvironment(Map.of("PATH", "/usr/bin:/bin", "TMPDIR", dir.resolve("host-tmp").toString()))
                .mountNamespace(Path.of("/usr/bin/bwrap"));
        b.connector = options -> {
            started.add(options);
            FakeCodex fake = new FakeCodex();
            fake.distinctThreads = true;
            fakes.add(fake);
            return CodexClient.builder().transport(fake.factory()).maxThreads(options.maxThreads()).connect();
        };
        return b;
    }

    /** No cwd: the tenants give the thread the tenant's own workspace. */
    private Consumer<CodexSession.Builder> inWork() {
        return b -> { };
    }

    private CodexTenants build(CodexTenants.Builder b) {
        CodexTenants t = b.build();
        opened.add(t);
        return t;
    }

    @Test
    void aRootInsideAFolderCodexLetsCommandsWriteToIsRefused() throws Exception {
        // in /tmp itself, wherever the JVM's temporary folder is (the suite may put it in memory)
        Path tmpRoot = Files.createTempDirectory(Path.of("/tmp"), "codex-bridge-homes-");
        try {
            assertThatThrownBy(() -> tenants(tmpRoot.resolve("tenants")).build())
                    .isInstanceOf(CodexException.class).hasMessageContaining("is inside /tmp").hasMessageContaining("workspace-write");
            assertThat(tmpRoot.resolve("tenants")).doesNotExist();
            // the host's TMPDIR counts too
            assertThatThrownBy(() -> tenants(dir.resolve("host-tmp/tenants")).build())
                    .isInstanceOf(CodexException.class).hasMessageContaining("is inside " + dir.resolve("host-tmp"));
        } finally {
            TestDirs.delete(tmpRoot);
        }
    }

    @Test
    void anExistingRootsModeIsReportedNeverChanged() throws Exception {
        Path root = Files.createDirectory(dir.resolve("wide"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (LogCapture log = LogCapture.start()) {
            build(tenants(root)).newSession("alice", inWork()).close();
            assertThat(log.text()).contains("the tenants' homes root " + root + " (the CLI's --tenants-root; "
                    + "CodexTenants.Builder.homesRoot, codex-bridge.tenants.homes-root) has mode rwxr-xr-x: other users may list the "
                    + "tenants' folder names (each tenant's folder is 0700). It should be owner-only, mode 700: chmod 700 " + root);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwxr-xr-x");

        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> tenants(open).build()).isInstanceOf(CodexException.class)
                .hasMessageContaining("others may write in it").hasMessageContaining("chmod 700 " + open)
                .hasMessageContaining("does not change an existing root's mode");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(open))).isEqualTo("rwxrwxrwx");
    }

    /**
     * A workspaces root made with a plain {@code mkdir} (0755 under the usual umask) is warned about
     * as what it is, naming the settings that give it ({@code --workspace} on the command line), the
     * mode it wants and the command that sets it; never as the homes root, and never changed.
     */
    @Test
    void aWorkspacesRootsModeIsReportedAsTheWorkspacesRoot() throws Exception {
        Path work = Files.createDirectory(dir.resolve("work"));
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (LogCapture log = LogCapture.start()) {
            build(tenants(dir.resolve("homes")).workspacesRoot(work)).newSession("alice", inWork()).close();
            assertThat(log.text()).contains("the tenants' workspaces root " + work + " (the CLI's --workspace; "
                    + "CodexTenants.Builder.workspacesRoot, codex-bridge.tenants.workspaces-root) has mode rwxr-xr-x: other users "
                    + "may list the tenants' folder names (each tenant's folder is 0700). It should be owner-only, mode 700: "
                    + "chmod 700 " + work).doesNotContain("homes root");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(work))).isEqualTo("rwxr-xr-x");

        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxr-x"));
        assertThatThrownBy(() -> tenants(dir.resolve("homes2")).workspacesRoot(work).build()).isInstanceOf(CodexException.class)
                .hasMessageStartingWith("the tenants' workspaces root " + work + " (the CLI's --workspace;")
                .hasMessageContaining("others may write in it").hasMessageContaining("chmod 700 " + work);
    }

    @Test
    void noLinkUnderTheRootIsFollowed() throws Exception {
        Path root = dir.resolve("homes");
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwxr-xr-x"));
        CodexTenants tenants = build(tenants(root));
        // a tenant's folder, a folder in it, and the prepared mark, each a planted link
        Files.createSymbolicLink(root.resolve("mallory"), elsewhere);
        assertThatThrownBy(() -> tenants.newSession("mallory", b -> { })).isInstanceOf(CodexException.class)
                .hasMessageContaining("refusing the symbolic link " + root.resolve("mallory"));
        Path eve = Files.createDirectory(root.resolve("eve"));
        Files.createSymbolicLink(eve.resolve("codex-home"), elsewhere);
        assertThatThrownBy(() -> tenants.newSession("eve", b -> { })).hasMessageContaining("refusing the symbolic link");
        Path trent = Files.createDirectory(root.resolve("trent"));
        Files.createSymbolicLink(trent.resolve(".prepared"), elsewhere.resolve("mark"));
        assertThatThrownBy(() -> tenants.newSession("trent", b -> { })).hasMessageContaining("refusing the symbolic link");
        // nothing was made in, or changed on, the links' target
        try (var listing = Files.list(elsewhere)) {
            assertThat(listing).isEmpty();
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(elsewhere))).isEqualTo("rwxr-xr-x");
        assertThat(started).isEmpty();
        // and the root itself
        Path link = Files.createSymbolicLink(dir.resolve("root-link"), Files.createDirectory(dir.resolve("real-root")));
        assertThatThrownBy(() -> tenants(link).build()).hasMessageContaining("refusing the symbolic link " + link);
    }

    @Test
    void aConfigFileLinkIsNotWrittenThrough() throws Exception {
        Path root = dir.resolve("homes");
        Path target = Files.writeString(dir.resolve("target.toml"), "untouched\n");
        CodexTenants tenants = build(tenants(root).homeSetup(TenantHomeSetup.configToml("model = \"m\"\n")));
        Path codexHome = Files.createDirectories(root.resolve("alice/codex-home"));
        Files.createSymbolicLink(codexHome.resolve("config.toml"), target);
        assertThatThrownBy(() -> tenants.newSession("alice", b -> { })).hasMessageContaining("refusing the symbolic link");
        assertThat(Files.readString(target)).isEqualTo("untouched\n");
    }

    @Test
    void withBubblewrapEachTenantsCodexRunsInAMountNamespaceThatHoldsOnlyItsOwnFolder() throws Exception {
        Path root = dir.resolve("homes");
        Path bwrap = Path.of("/usr/bin/bwrap");
        CodexTenants tenants = build(tenants(root).mountNamespace(bwrap));
        assertThat(TenantIsolation.findBubblewrap("/nowhere", Path.of("/nowhere/bin/codex"))).isNull();
        // codex's own, beside its bin/, comes first; then PATH
        Path vendor = Files.createDirectories(dir.resolve("vendor/bin"));
        Path bundled = Files.createDirectories(dir.resolve("vendor/codex-resources")).resolve("bwrap");
        Path onPath = Files.createDirectories(dir.resolve("path")).resolve("bwrap");
        for (Path p : List.of(bundled, onPath)) {
            Files.writeString(p, "#!/bin/sh\n");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        }
        assertThat(TenantIsolation.findBubblewrap(onPath.getParent().toString(), vendor.resolve("codex"))).isEqualTo(bundled);
        assertThat(TenantIsolation.findBubblewrap("/nowhere:" + onPath.getParent(), Path.of("/nowhere/bin/codex"))).isEqualTo(onPath);
        tenants.newSession("alice", inWork()).close();
        Path real = root.toRealPath();
        List<String> command = started.get(0).launch().command();
        assertThat(command).containsSubsequence(bwrap.toString(), "--dev-bind", "/", "/", "--tmpfs", real.toString(),
                "--bind", real.resolve("alice").toString(), real.resolve("alice").toString(), "--die-with-parent", "--",
                "/usr/bin/codex-not-run", "app-server");
        assertThat(String.join(" ", command)).doesNotContain("default_permissions");
    }

    @Test
    void settingsThatWouldReplaceTheProfileAreRefused() throws Exception {
        Path root = dir.resolve("homes");
        assertThatThrownBy(() -> tenants(root).codexDefaults(Map.of("sandbox_mode", "\"danger-full-access\"")).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("[sandbox_mode]");
        assertThatThrownBy(() -> tenants(root).codexDefaults(Map.of("permissions.x.extends", "\":danger-full-access\"")).build())
                .hasMessageContaining("confined");
        CodexTenants tenants = build(tenants(root));
        Path work = Files.createDirectories(dir.resolve("work"));
        for (ThreadOptions bad : List.of(ThreadOptions.in(root), ThreadOptions.in(dir), ThreadOptions.in(root.resolve("bob/home")))) {
            assertThatThrownBy(() -> tenants.newSession("alice", b -> b.replaceThreadOptions(bad))).as(bad.cwd().toString())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overlaps the tenants' homes root");
        }
        // a workspace outside the tenant's own is refused: the other tenants' commands could read it
        assertThatThrownBy(() -> tenants.newSession("alice", b -> b.cwd(work)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not the tenant's workspace");
        Path own = tenants.workspace("alice");
        assertThat(own).isEqualTo(root.toRealPath().resolve("alice/workspace")).isDirectory();
        tenants.newSession("alice", b -> b.cwd(own)).close();
        Path repo = Files.createDirectories(own.resolve("repo"));
        tenants.newSession("alice", b -> b.cwd(repo)).close();
        tenants.newSession("alice", b -> b.cwd(root.resolve("alice/home"))).close();
        assertThat(tenants.usage("alice").threads()).isZero();
    }
}
