package dev.codexbridge.bench;

import dev.codexbridge.process.CodexArtifact;
import dev.codexbridge.process.CodexArtifactCache;
import java.io.RandomAccessFile;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code bin/bench codex-artifact [ROUNDS] [JAR]}: the codex-bridge-codex artifact's jar size, and
 * in a new JVM each: the first start (an empty cache: unpack and check), a warm start (the cache
 * there: every file's size and SHA-256 checked), the same JVM's second look (sizes only), and a
 * start after the cached executable was truncated (refused, unpacked again). The jar defaults to
 * the one the build wrote under modules/codex-platform/.
 */
public final class CodexArtifactBench {
    private CodexArtifactBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("one")) {
            one(Paths.get(args[1]), Paths.get(args[2]));
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String platform = CodexArtifact.currentPlatform().orElseThrow();
        Path jar = args.length > 1 ? Paths.get(args[1]) : defaultJar(platform);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            CodexArtifact artifact = CodexArtifact.find(loader, platform).orElseThrow();
            System.out.printf("%s: jar %d bytes (%.1f MiB), %d files, %d bytes unpacked (%.1f MiB)%n", artifact,
                    Files.size(jar), Files.size(jar) / 1048576.0, artifact.files().size(), artifact.size(), artifact.size() / 1048576.0);
        }
        System.out.println("round  first start ms  warm start ms  same JVM again ms  after truncation ms");
        for (int r = 1; r <= rounds; r++) {
            Path root = Paths.get("target", "bench-codex-cache").toAbsolutePath();
            delete(root);
            String[] cold = child(root, jar).split(" ");
            String[] warm = child(root, jar).split(" ");
            Path exe = Paths.get(cold[2]);
            try (RandomAccessFile f = new RandomAccessFile(exe.toFile(), "rw")) {
                f.setLength(f.length() / 2);
            }
            String[] repaired = child(root, jar).split(" ");
            System.out.printf("%5d  %14s  %13s  %17s  %19s%n", r, cold[0], warm[0], warm[1], repaired[0]);
            delete(root);
        }
    }

    private static Path defaultJar(String platform) throws Exception {
        Path dir = Paths.get("modules", "codex-platform", platform, "target");
        try (Stream<Path> jars = Files.list(dir)) {
            return jars.filter(p -> p.getFileName().toString().matches("codex-bridge-codex-" + platform + "-.*\\.jar"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no artifact jar in " + dir
                            + ": mvn -B -ntp -pl modules/codex-platform/" + platform + " -am package"));
        }
    }

    private static String child(Path root, Path jar) throws Exception {
        Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), CodexArtifactBench.class.getName(), "one", root.toString(), jar.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("measuring run failed: " + out);
        }
        return out;
    }

    /** In a JVM of its own: ms of the first look, ms of a second, and the executable. */
    private static void one(Path root, Path jar) throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            long t0 = System.nanoTime();
            CodexArtifact artifact = CodexArtifact.find(loader, CodexArtifact.currentPlatform().orElseThrow()).orElseThrow();
            Path exe = new CodexArtifactCache(root).executable(artifact);
            long t1 = System.nanoTime();
            new CodexArtifactCache(root).executable(artifact);
            long t2 = System.nanoTime();
            System.out.println((t1 - t0) / 1_000_000 + " " + (t2 - t1) / 1_000_000 + " " + exe);
        }
    }

    private static void delete(Path root) throws Exception {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
