package dev.codexbridge.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.Scripts;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The class-path artifact unpacked into its cache: once, atomically, checked, and again when the copy is damaged. */
class CodexArtifactCacheTest {
    private static final String PLATFORM = CodexArtifact.currentPlatform().orElse("linux-x64");

    @TempDir
    Path tmp;
    private final List<URLClassLoader> loaders = new ArrayList<>();

    @AfterEach
    void close() throws IOException {
        for (URLClassLoader l : loaders) {
            l.close();
        }
        CodexArtifactCache.forgetChecks();
    }

    private CodexArtifact artifact(Path classPathRoot) throws IOException {
        URLClassLoader loader = ArtifactFixture.loader(classPathRoot);
        loaders.add(loader);
        return CodexArtifact.find(loader, PLATFORM).orElseThrow();
    }

    private static void assertUnpacked(Path exe, ArtifactFixture fixture) throws IOException {
        Path dir = exe.getParent().getParent();
        assertThat(dir.getFileName().toString()).isEqualTo("codex-" + ArtifactFixture.VERSION + "-" + fixture.platform);
        for (Map.Entry<String, byte[]> f : fixture.files.entrySet()) {
            assertThat(Files.readAllBytes(dir.resolve(f.getKey()))).as(f.getKey()).isEqualTo(f.getValue());
        }
        assertThat(Files.isExecutable(exe)).isTrue();
    }

    private List<String> cacheEntries(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void unpacksOnceIntoAVersionedFolderAndTheExecutableRuns() throws Exception {
        ArtifactFixture fixture = new ArtifactFixture(PLATFORM);
        CodexArtifact artifact = artifact(fixture.writeFolder(tmp.resolve("cp")));
        assertThat(artifact.version()).isEqualTo("0.171.0");
        assertThat(artifact.files()).hasSize(3);
        CodexArtifactCache cache = new CodexArtifactCache(tmp.resolve("cache"));

        Path exe = cache.executable(artifact);
        assertThat(exe).isEqualTo(tmp.resolve("cache/codex-0.171.0-" + PLATFORM + "/bin/codex"));
        assertUnpacked(exe, fixture);
        assertThat(CodexVersionProbe.probe(exe, CodexVersionProbe.DEFAULT_TIMEOUT)).isEqualTo(CodexVersion.PINNED);
        Object inode = Files.readAttributes(exe, BasicFileAttributes.class).fileKey();

        // a second JVM (the checks forgotten) checks every file and unpacks nothing
        CodexArtifactCache.forgetChecks();
        assertThat(new CodexArtifactCache(tmp.resolve("cache")).executable(artifact)).isEqualTo(exe);
        assertThat(Files.readAttributes(exe, BasicFileAttributes.class).fileKey()).isEqualTo(inode);
        assertThat(cacheEntries(tmp.resolve("cache"))).containsExactly("codex-0.171.0-" + PLATFORM,
                "codex-0.171.0-" + PLATFORM + ".lock");
    }

    /** A cache filled in advance (at image build time) is used without writing to it, not even its lock file. */
    @Test
    void aGoodCopyIsUsedWithoutWritingAnything() throws Exception {
        ArtifactFixture fixture = new ArtifactFixture(PLATFORM);
        CodexArtifact artifact = artifact(fixture.writeFolder(tmp.resolve("cp")));
        Path exe = new CodexArtifactCache(tmp.resolve("cache")).executable(artifact);
        Path lock = tmp.resolve("cache/codex-0.171.0-" + PLATFORM + ".lock");
        Files.delete(lock);
        Files.createDirectory(lock);        // the lock file cannot be opened for writing
        CodexArtifactCache.forgetChecks();
        assertThat(new CodexArtifactCache(tmp.resolve("cache")).executable(artifact)).isEqualTo(exe);
        // a copy that needs unpacking does need the lock: the failure names the way out
        Files.delete(tmp.resolve("cache/codex-0.171.0-" + PLATFORM + "/codex-resources/data.bin"));
        assertThatThrownBy(() -> new CodexArtifactCache(tmp.resolve("cache")).executable(artifact))
                .isInstanceOf(CodexProcessException.class).hasMessageContaining(CodexArtifactCache.CACHE_PROPERTY);
    }

    @Test
    void aJarOnTheClassPathUnpacksTheSame() throws Exception {
        ArtifactFixture fixture = new ArtifactFixture(PLATFORM);
        CodexArtifact artifact = artifact(fixture.writeJar(tmp.resolve("codex-bridge-codex-" + PLATFORM + ".jar")));
        assertUnpacked(new CodexArtifactCache(tmp.resolve("cache")).executable(artifact), fixture);
    }

    @Test
    void aCorruptCacheIsRefusedAndUnpackedAgain() throws Exception {
        ArtifactFixture fixture = new ArtifactFixture(PLATFORM);
        CodexArtifact artifact = artifact(fixture.writeFolder(tmp.resolve("cp")));
        Path exe = new CodexArtifactCache(tmp.resolve("cache")).executable(artifact);
        Path data = exe.getParent().getParent().resolve("codex-resources/data.bin");
        try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
            f.seek(1000);
            int b = f.read();
            f.seek(1000);
            f.write(b ^ 0xff);
        }
        assertThat(CodexArtifactCache.problem(exe.getParent().getParent(), artifact))
                .isEqualTo("codex-resources/data.bin does not match its SHA-256");

        // the same size: only a JVM that has not checked the folder yet sees it (the next start)
        CodexArtifactCache.forgetChecks();
        assertThat(new CodexArtifactCache(tmp.resolve("cache")).executable(artifact)).isEqualTo(exe);
        assertUnpacked(exe, fixture);
        assertThat(cacheEntries(tmp.resolve("cache"))).hasSize(2);
    }

    @Test
    void aTruncatedCacheIsRefusedAndUnpackedAgainEvenInTheSameJvm() throws Exception {
        ArtifactFixture fixture = new ArtifactFixture(PLATFORM);
        CodexArtifact artifact = artifact(fixture.writeFolder(tmp.resolve("cp")));
        CodexArtifactCache cache = new CodexArtifactCache(tmp.resolve("cache"));
        Path exe = cache.executable(artifact);
        try (RandomAccessFile f = new RandomAccessFile(exe.toFile(), "rw")) {
            f.setLength(5);
        }
        assertThat(CodexArtifactCache.problem(exe.getParent().getParent(), artifact)).startsWith("bin/codex has 5 bytes, not ");
        assertThat(cache.executable(artifact)).isEqualTo(exe);
        assertUnpacked(exe, fixture);
    }

    @Test
    void aFolderWithoutItsCompletionMarkerOrFromAnotherBuildIsUnpackedAgain() throws Exception {
        ArtifactFixture fixture = new ArtifactFixture(PLATFORM);
        CodexArtifact artifact = artifact(fixture.writeFolder(tmp.resolve("cp")));
        CodexArtifactCache cache = new CodexArtifactCache(tmp.resolve("cache"));
        Path dir = cache.executable(artifact).getParent().getParent();
        Files.writeString(dir.resolve(CodexArtifactCache.MARKER), "another build\n");
        // a half-written folder a killed process left behind
        Path leftover = Files.createDirectories(tmp.resolve("cache/codex-0.171.0-" + PLATFORM + ".tmp-dead/bin"));
        Files.writeString(leftover.resolve("codex"), "half");
        CodexArtifactCache.forgetChecks();

        assertUnpacked(cache.executable(artifact), fixture);
        assertThat(Files.readString(dir.resolve(CodexArtifactCache.MARKER)).strip()).isEqualTo(artifact.manifestSha256());
        assertThat(cacheEntries(tmp.resolve("cache"))).containsExactly("codex-0.171.0-" + PLATFORM,
                "codex-0.171.0-" + PLATFORM + ".lock");
    }

    @Test
    void aDamagedArtifactIsRefusedAndLeavesNoFolder() throws Exception {
        ArtifactFixture fixture = new ArtifactFixture(PLATFORM);
        CodexArtifact artifact = artifact(fixture.writeFolder(tmp.resolve("cp"), "codex-resources/data.bin"));
        assertThatThrownBy(() -> new CodexArtifactCache(tmp.resolve("cache")).executable(artifact))
                .isInstanceOf(CodexProcessException.class)
                .hasMessageContaining("the codex-bridge-codex artifact on the class path is damaged: codex-resources/data.bin");
        assertThat(cacheEntries(tmp.resolve("cache"))).containsExactly("codex-0.171.0-" + PLATFORM + ".lock");
    }

    @Test
    void aManifestThatNamesAPathOutsideItsFolderIsRefused() throws Exception {
        ArtifactFixture fixture = new ArtifactFixture(PLATFORM).put("../escape", new byte[] {1}, false);
        URLClassLoader loader = ArtifactFixture.loader(fixture.writeFolder(tmp.resolve("cp")));
        loaders.add(loader);
        assertThatThrownBy(() -> CodexArtifact.find(loader, PLATFORM)).isInstanceOf(CodexProcessException.class)
                .hasMessageContaining("refusing file path ../escape");
        assertThat(CodexArtifact.find(loader, "no-such-platform")).isEmpty();
    }

    @Test
    void twoThreadsAndAnotherProcessUnpackingAtOnceEndWithOneGoodFolder() throws Exception {
        ArtifactFixture fixture = new ArtifactFixture(PLATFORM);
        // big enough that the unpacks overlap
        byte[] big = new byte[24 * 1024 * 1024];
        new java.util.Random(3).nextBytes(big);
        fixture.put("bin/big", big, false);
        Path cp = fixture.writeFolder(tmp.resolve("cp"));
        CodexArtifact artifact = artifact(cp);
        Path root = tmp.resolve("cache");

        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(), ArtifactUnpackMain.class.getName(), root.toString(),
                cp.toString(), PLATFORM));
        Process other = new ProcessBuilder(command).redirectErrorStream(true).start();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<Path> unpack = () -> {
                go.await();
                return new CodexArtifactCache(root).executable(artifact);
            };
            Future<Path> a = pool.submit(unpack);
            Future<Path> b = pool.submit(unpack);
            go.countDown();
            Path exe = a.get(2, TimeUnit.MINUTES);
            assertThat(b.get(2, TimeUnit.MINUTES)).isEqualTo(exe);
            String out = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(other.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(other.exitValue()).as(out).isZero();
            assertThat(out.strip()).isEqualTo(exe.toString());
            CodexArtifactCache.forgetChecks();
            assertThat(CodexArtifactCache.problem(exe.getParent().getParent(), artifact)).isNull();
            assertUnpacked(exe, fixture);
            assertThat(cacheEntries(root)).containsExactly("codex-0.171.0-" + PLATFORM, "codex-0.171.0-" + PLATFORM + ".lock");
        } finally {
            pool.shutdownNow();
            other.destroyForcibly();
        }
    }

    @Test
    void theLocatorTakesTheArtifactAfterAProjectLocalInstallAndBeforePath() throws Exception {
        Path cp = new ArtifactFixture(PLATFORM).writeFolder(tmp.resolve("cp"));
        URLClassLoader loader = ArtifactFixture.loader(cp);
        loaders.add(loader);
        Path pathDir = tmp.resolve("path-bin");
        Scripts.write(pathDir, "codex", "echo on-path");
        Path cwd = Files.createDirectories(tmp.resolve("work"));
        Map<String, String> props = Map.of(CodexArtifactCache.CACHE_PROPERTY, tmp.resolve("cache").toString());
        CodexLocator.Located located = new CodexLocator(Map.of("PATH", pathDir.toString())::get, props::get, cwd, loader)
                .locate(null);
        assertThat(located.source()).isEqualTo(CodexLocator.Source.CLASS_PATH);
        assertThat(located.binary()).isEqualTo(tmp.resolve("cache/codex-0.171.0-" + PLATFORM + "/bin/codex"));

        Path local = Scripts.write(cwd.resolve(".codex-cli/node_modules/@openai/codex-" + PLATFORM + "/vendor/t/bin"), "codex", "true");
        located = new CodexLocator(Map.of("PATH", pathDir.toString())::get, props::get, cwd, loader).locate(null);
        assertThat(located.source()).isEqualTo(CodexLocator.Source.PROJECT_LOCAL);
        assertThat(located.binary()).isEqualTo(local);
    }

    @Test
    void withoutTheArtifactTheMessageSaysSoAndNamesTheDependency() throws Exception {
        URLClassLoader empty = ArtifactFixture.loader(Files.createDirectories(tmp.resolve("empty")));
        loaders.add(empty);
        Path cwd = Files.createDirectories(tmp.resolve("work"));
        assertThatThrownBy(() -> new CodexLocator(Map.of("PATH", "/nonexistent")::get, k -> null, cwd, empty).locate(null))
                .isInstanceOf(CodexNotFoundException.class)
                .hasMessageContaining("  4. .codex-cli/ in " + cwd + " or a parent folder: none\n"
                        + "  5. the class path: no codex-bridge-codex-" + PLATFORM + " artifact\n"
                        + "  6. PATH (/nonexistent): no executable codex\n")
                .hasMessageContaining("add the dependency dev.codexbridge:codex-bridge-codex-PLATFORM");
    }

    @Test
    void platformNamesFollowCodexsNpmPackages() {
        assertThat(CodexArtifact.platformOf("Linux", "amd64")).contains("linux-x64");
        assertThat(CodexArtifact.platformOf("Linux", "aarch64")).contains("linux-arm64");
        assertThat(CodexArtifact.platformOf("Mac OS X", "aarch64")).contains("darwin-arm64");
        assertThat(CodexArtifact.platformOf("Mac OS X", "x86_64")).contains("darwin-x64");
        assertThat(CodexArtifact.platformOf("Windows 11", "amd64")).contains("win32-x64");
        assertThat(CodexArtifact.platformOf("Linux", "s390x")).isEmpty();
        assertThat(CodexArtifact.platformOf("FreeBSD", "amd64")).isEmpty();
    }
}
