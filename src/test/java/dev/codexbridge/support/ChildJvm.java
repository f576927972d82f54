package dev.codexbridge.support;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.Deflater;

/**
 * The command that starts a JVM of a test's own (a fake codex, a store's second process, the CLI):
 * this JVM's {@code java} with the JIT and collector flags this JVM runs with ({@code
 * codexbridge.testJvm}, decision 0059). Such a JVM lives for seconds, starting things, as the
 * test JVM does; C2's compiler threads would cost it more CPU than they give back. Where the
 * test JVM runs with the JVM's defaults (the second JDK's pass), so do its children.
 *
 * <p>A child given {@link #classPath()} also maps the classes it starts with from a class archive,
 * as {@code bin/codex-bridge} does for a user's runs: reading and verifying them from the jars cost
 * a CLI child 0.6 of its 1.7 s of CPU. The archive is made once per build and class path, by a
 * training run that replays recorded fixtures, under {@code target/child-jvm/}. The JVM will not
 * archive from a class path with a non-empty folder on it, so {@link #classPath()} gives this JVM's
 * class path with each folder (the test classes) packed into a jar in its place; the order, and so
 * what a class or resource resolves to, is the same. A child given another class path, or a JVM
 * that cannot use the archive, runs as it would without one and says nothing about it.
 */
public final class ChildJvm {
    /** The flags passed on; any other of this JVM's arguments (agents, debug ports) is not. */
    private static final Set<String> PASSED_ON = Set.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    /** What the training run replays, from the project's root: the CLI's and the library's common paths. */
    private static final List<String> TRAINING_FIXTURES = List.of("fixtures/command-approval-accept.jsonl",
            "fixtures/file-change-approval.jsonl", "fixtures/reasoning.jsonl", "fixtures/mcp-tool-call-elicitation.jsonl");
    private static final Path DIR = Path.of("target", "child-jvm");

    private static String classPath;
    private static List<String> archiveOptions;

    private ChildJvm() {
    }

    /** {@code java} and the flags, to add the child's own arguments to. */
    public static List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(flags());
        command.addAll(archiveOptions());
        return command;
    }

    /** The same as one line for a shell script, each word quoted. */
    public static String shellCommand() {
        return String.join(" ", command().stream().map(w -> "'" + w.replace("'", "'\\''") + "'").toList());
    }

    /** The flags of this JVM's own that a child gets too. */
    public static List<String> flags() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(PASSED_ON::contains).toList();
    }

    /**
     * This JVM's class path for a child's {@code -cp}, each folder on it as a jar of the same
     * content (made once per content), so that the child can use the class archive.
     */
    public static synchronized String classPath() {
        if (classPath == null) {
            String own = System.getProperty("java.class.path");
            try {
                Files.createDirectories(DIR);
                // one test JVM packs, the others of the build wait for its jars
                try (FileChannel channel = FileChannel.open(DIR.resolve("pack.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    channel.lock();     // released as the channel closes
                    List<String> entries = new ArrayList<>();
                    for (String entry : own.split(java.io.File.pathSeparator)) {
                        Path p = Path.of(entry);
                        entries.add(Files.isDirectory(p) ? packed(p).toString() : entry);
                    }
                    classPath = String.join(java.io.File.pathSeparator, entries);
                }
            } catch (IOException | UncheckedIOException e) {
                classPath = own;     // the child reads the folders, as before
            }
        }
        return classPath;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The options that map the archive for {@link #classPath()}; none when it could not be made. */
    private static synchronized List<String> archiveOptions() {
        if (archiveOptions == null) {
            archiveOptions = List.of();
            try {
                Path archive = archive();
                if (archive != null) {
                    // the JVM's own warnings go to stderr, never into a child's stdout; none about the archive
                    archiveOptions = List.of("-XX:SharedArchiveFile=" + archive.toAbsolutePath(), "-Xlog:disable",
                            "-Xlog:all=warning:stderr", "-Xlog:cds*=off:stderr");
                }
            } catch (IOException | RuntimeException e) {
                // children start without one
            }
        }
        return archiveOptions;
    }

    /** The archive for this class path, made by the first test JVM that asks; null when training failed. */
    private static Path archive() throws IOException {
        String cp = classPath();
        String key = digest(java() + "\n" + String.join(" ", flags()) + "\n" + cp).substring(0, 16);
        Path archive = DIR.resolve(key + ".jsa");
        Path failed = DIR.resolve(key + ".failed");
        Files.createDirectories(DIR);
        try (FileChannel channel = FileChannel.open(DIR.resolve(key + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.lock();     // released as the channel closes; the other test JVMs wait here for the archive
            if (Files.exists(archive)) {
                return archive;
            }
            if (Files.exists(failed)) {
                return null;
            }
            Path root = projectRoot();
            Path tmp = DIR.resolve(key + "." + ProcessHandle.current().pid() + ".tmp");
            List<String> train = new ArrayList<>();
            train.add(java());
            train.addAll(flags());
            train.addAll(List.of("-XX:ArchiveClassesAtExit=" + tmp.toAbsolutePath(), "-Xlog:disable", "-cp", cp, Training.class.getName()));
            if (root != null) {
                TRAINING_FIXTURES.forEach(f -> train.add(root.resolve(f).toString()));
            }
            Process p = new ProcessBuilder(train).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            boolean ended = waitFor(p);
            if (root != null && ended && p.exitValue() == 0 && Files.isRegularFile(tmp) && Files.size(tmp) > 0) {
                Files.move(tmp, archive, StandardCopyOption.ATOMIC_MOVE);
                return archive;
            }
            Files.deleteIfExists(tmp);
            Files.writeString(failed, "the training run failed or found no fixtures\n");
            return null;
        }
    }

    private static boolean waitFor(Process p) {
        try {
            if (p.waitFor(2, TimeUnit.MINUTES)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        p.destroyForcibly();
        return false;
    }

    /** The folder holding the recorded fixtures: the working folder or one above it (a module's). */
    private static Path projectRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(TRAINING_FIXTURES.get(0)))) {
                return p;
            }
        }
        return null;
    }

    /** A jar of the folder's content, named by that content's paths, sizes and times, so a changed folder gets a new one. */
    private static Path packed(Path folder) throws IOException {
        List<Path> files;
        try (Stream<Path> all = Files.walk(folder)) {
            files = all.sorted().toList();
        }
        StringBuilder stamp = new StringBuilder(folder.toAbsolutePath().toString());
        for (Path f : files) {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            stamp.append('\n').append(folder.relativize(f)).append(' ').append(a.size()).append(' ').append(a.lastModifiedTime().toMillis());
        }
        Path jar = DIR.resolve(folder.getFileName() + "-" + digest(stamp.toString()).substring(0, 16) + ".jar").toAbsolutePath();
        if (Files.exists(jar)) {
            return jar;
        }
        Path tmp = DIR.resolve(jar.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp); JarOutputStream jos = new JarOutputStream(out)) {
            jos.setLevel(Deflater.NO_COMPRESSION);
            for (Path f : files) {
                if (f.equals(folder)) {
                    continue;
                }
                String name = folder.relativize(f).toString().replace(java.io.File.separatorChar, '/');
                boolean dir = Files.isDirectory(f);
                JarEntry e = new JarEntry(dir ? name + "/" : name);
                e.setTime(Files.getLastModifiedTime(f).toMillis());
                jos.putNextEntry(e);
                if (!dir) {
                    Files.copy(f, jos);
                }
                jos.closeEntry();
            }
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return jar;
    }

    private static String digest(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The training run: what the children of this class path start by doing. The CLI replaying the
     * fixtures where the CLI is on the class path, else the library replaying them.
     */
    public static final class Training {
        private Training() {
        }

        public static void main(String[] fixtures) throws Exception {
            if (fixtures.length == 0) {
                throw new IllegalArgumentException("no fixtures to replay");
            }
            Method cli = mainOf("dev.codexbridge.cli.Main");
            if (cli != null) {
                String[] args = new String[fixtures.length + 2];
                args[0] = "replay";
                args[1] = "--json";
                System.arraycopy(fixtures, 0, args, 2, fixtures.length);
                Object code = cli.invoke(null, (Object) args);
                System.exit((Integer) code);
            }
            Class<?> runner = Class.forName("dev.codexbridge.testkit.ScenarioRunner");
            Class<?> scenarios = Class.forName("dev.codexbridge.testkit.Scenarios");
            Class<?> replayer = Class.forName("dev.codexbridge.testkit.FixtureReplayer");
            Class<?> scenario = Class.forName("dev.codexbridge.testkit.Scenario");
            for (String f : fixtures) {
                Object loaded = replayer.getMethod("load", Path.class).invoke(null, Path.of(f));
                String name = (String) loaded.getClass().getMethod("scenario").invoke(loaded);
                Object s = scenarios.getMethod("get", String.class).invoke(null, name);
                runner.getMethod("replay", scenario, Path.class).invoke(null, s, Path.of(f));
            }
            System.exit(0);
        }

        private static Method mainOf(String className) {
            try {
                return Class.forName(className).getMethod("run", String[].class);
            } catch (ReflectiveOperationException e) {
                return null;
            }
        }
    }
}
