package dev.codexbridge.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The build's check on the suite's time budget: fails when a test class took longer than the
 * limit without being marked {@link Slow}. Reads the XML reports surefire and failsafe wrote in
 * this build (older ones are left alone, so a report from an earlier run on a loaded machine does
 * not fail a later one), because only they know the time a class took in its fork.
 *
 * <p>The limit is for the reference machine's pace. A slower or busier machine stretches every
 * class alike (measured: the same suite at 2.3 times the class time per test, every yardstick
 * bench about twice as slow), and a class is not too slow for being on it; so the limit grows by
 * the build's pace: the first report folder's class time per test against the reference's, never
 * below 1. A class that is slow beside its suite still fails, on any machine.
 *
 * <p>A class is marked by {@link Slow} here, or by JUnit's {@code @Tag("slow")} in the modules that
 * cannot see {@link Slow}; the check reads the mark from the class file next to the report
 * ({@code ../test-classes}), so it needs no module's classes on its class path.
 *
 * <p>One class's time, paced, still differs between two builds of one commit far more than the
 * suite's does (measured: {@code TenantEscapeLiveTest} at 35 s paced on one fresh clone and 64 s
 * on a CI host, with every other class alike or faster), because the pace is the whole build's and
 * a class meets whatever ran beside it. So the build fails only past the limit times
 * {@code SPREAD}; a class between the limit and that is named as a warning, to be split before it
 * fails a build.
 *
 * <p>Run by modules/suite-checks in {@code verify}, after every module with tests:
 * {@code SlowClassCheck LIMIT_SECONDS SINCE REFERENCE_SECONDS_PER_TEST SPREAD REPORT_DIR...}.
 */
public final class SlowClassCheck {
    private static final Pattern SUITE = Pattern.compile("<testsuite\\b[^>]*>");
    private static final Pattern NAME = Pattern.compile("\\bname=\"([^\"]+)\"");
    private static final Pattern TIME = Pattern.compile("\\btime=\"([0-9.,]+)\"");

    private SlowClassCheck() {
    }

    private static final Pattern TESTS = Pattern.compile("\\btests=\"([0-9,]+)\"");

    /** One class's time and number of tests as a report gives them. */
    record ClassTime(String className, double seconds, int tests) {
    }

    public static void main(String[] args) throws IOException {
        double limitAtReferencePace = Double.parseDouble(args[0]);
        Instant since = args[1].isBlank() ? Instant.EPOCH : Instant.parse(args[1]);
        double referenceSecondsPerTest = Double.parseDouble(args[2]);
        double spread = Double.parseDouble(args[3]);
        List<ClassTime> read = new ArrayList<>();
        List<Path> classDirs = new ArrayList<>();
        double pace = 1;
        for (int i = 4; i < args.length; i++) {
            Path reports = Path.of(args[i]);
            List<ClassTime> folder = times(reports, since);
            if (i == 4) {
                if (folder.isEmpty()) {
                    // a wrong folder would check nothing and pass: the suite's own reports must be there
                    System.err.printf("SlowClassCheck: no test report of this build in %s, the folder that sets the pace%n", reports);
                    System.exit(1);
                }
                pace = pace(folder, referenceSecondsPerTest);
            }
            read.addAll(folder);
            classDirs.add(reports.toAbsolutePath().getParent().resolve("test-classes"));
        }
        double limit = limitAtReferencePace * pace;
        String paced = String.format(Locale.ROOT, "%.0f s at the reference pace, x%.2f for this build's", limitAtReferencePace, pace);
        printCostliest(classDirs);
        List<ClassTime> nearly = withinSpread(limit, spread, read, classDirs);
        if (!nearly.isEmpty()) {
            System.out.printf(Locale.ROOT, "SlowClassCheck: WARNING %d test class(es) took over %.1f s (%s), within the x%.2f spread"
                    + " one class's time has between builds; split them before one fails a build:%n%s", nearly.size(), limit, paced, spread, listed(nearly));
        }
        List<ClassTime> over = unmarkedOver(limit * spread, read, classDirs);
        if (!over.isEmpty()) {
            System.err.printf(Locale.ROOT, "SlowClassCheck: %d test class(es) took over %.1f s (%s, x%.2f for the spread between builds)"
                    + " without @Slow (dev.codexbridge.support.Slow) or @Tag(\"slow\"):%n%s"
                    + "Split the class, share its codex, shorten a wait that is a timeout in disguise, or mark it @Slow(\"why\").%n",
                    over.size(), limit * spread, paced, spread, listed(over));
            System.exit(1);
        }
        System.out.printf(Locale.ROOT, "SlowClassCheck: %d report(s) from this build, none over %.0f s (%s, x%.2f for the spread) unmarked%n",
                read.size(), limit * spread, paced, spread);
    }

    private static String listed(List<ClassTime> times) {
        StringBuilder list = new StringBuilder();
        times.forEach(t -> list.append(String.format(Locale.ROOT, "  %s: %.1f s%n", t.className(), t.seconds())));
        return list.toString();
    }

    /** How many of the costliest classes are printed. */
    static final int COSTLIEST = 15;

    /**
     * Prints the classes that cost the most CPU in this build (their JVM's and their children's, as
     * the test JVMs' {@code ClassCpuRecord} wrote them next to each module's {@code test-classes}),
     * and moves each record aside to {@code class-cpu.last.tsv}, so that the next build starts its
     * own. The suite's time is its CPU on two cores; this says where it went.
     */
    static void printCostliest(List<Path> classDirs) throws IOException {
        List<ClassCpu> all = new ArrayList<>();
        for (Path dir : classDirs) {
            Path record = dir.resolveSibling("class-cpu.tsv");
            if (Files.isRegularFile(record)) {
                all.addAll(cpu(Files.readAllLines(record, StandardCharsets.UTF_8)));
                Files.move(record, dir.resolveSibling("class-cpu.last.tsv"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (all.isEmpty()) {
            return;
        }
        double total = all.stream().mapToDouble(ClassCpu::cpuSeconds).sum();
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "SlowClassCheck: %d classes cost %.0f s of CPU with their processes; the costliest:%n", all.size(), total));
        all.stream().sorted(java.util.Comparator.comparingDouble(ClassCpu::cpuSeconds).reversed()).limit(COSTLIEST)
                .forEach(c -> out.append(String.format(Locale.ROOT, "  %7.1f s CPU %7.1f s wall  %s%n", c.cpuSeconds(), c.wallSeconds(), c.className())));
        System.out.print(out);
    }

    /** One class's CPU and wall time as {@code ClassCpuRecord} wrote them. */
    record ClassCpu(String className, double cpuSeconds, double wallSeconds) {
    }

    /** The records' lines (class, CPU seconds, wall seconds, process id); a line that is not one is skipped. */
    static List<ClassCpu> cpu(List<String> lines) {
        List<ClassCpu> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split("\t");
            try {
                if (f.length >= 3) {
                    out.add(new ClassCpu(f[0], Double.parseDouble(f[1]), Double.parseDouble(f[2])));
                }
            } catch (NumberFormatException e) {
                // a line cut by a killed fork
            }
        }
        return out;
    }

    /**
     * How much slower than the reference this build ran: its class time per test over the
     * reference's, at least 1 (a faster machine does not tighten the limit), 1 with no tests.
     */
    static double pace(List<ClassTime> times, double referenceSecondsPerTest) {
        double seconds = times.stream().mapToDouble(ClassTime::seconds).sum();
        long tests = times.stream().mapToLong(ClassTime::tests).sum();
        return tests == 0 ? 1 : Math.max(1, seconds / tests / referenceSecondsPerTest);
    }

    /** The classes that took longer than the limit and are not marked slow in their class file under one of {@code classDirs}. */
    static List<ClassTime> unmarkedOver(double limitSeconds, List<ClassTime> times, List<Path> classDirs) {
        return times.stream().filter(t -> t.seconds() > limitSeconds && !markedSlow(t.className(), classDirs)).toList();
    }

    /** The unmarked classes over the limit but not over the limit times {@code spread}: warned about, not failed. */
    static List<ClassTime> withinSpread(double limitSeconds, double spread, List<ClassTime> times, List<Path> classDirs) {
        return unmarkedOver(limitSeconds, times, classDirs).stream().filter(t -> t.seconds() <= limitSeconds * spread).toList();
    }

    /** The classes' times in a report folder, from reports written at or after {@code since}. */
    static List<ClassTime> times(Path reports, Instant since) throws IOException {
        List<ClassTime> out = new ArrayList<>();
        if (!Files.isDirectory(reports)) {
            return out;
        }
        try (Stream<Path> files = Files.list(reports)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).sorted().toList()) {
                if (Files.getLastModifiedTime(f).toInstant().isBefore(since)) {
                    continue;
                }
                ClassTime t = parse(Files.readString(f));
                if (t != null) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** The report's suite name, time and number of tests (0 when it gives none), or null when it has no suite element. */
    static ClassTime parse(String xml) {
        Matcher suite = SUITE.matcher(xml);
        if (!suite.find()) {
            return null;
        }
        Matcher name = NAME.matcher(suite.group());
        Matcher time = TIME.matcher(suite.group());
        if (!name.find() || !time.find()) {
            return null;
        }
        Matcher tests = TESTS.matcher(suite.group());
        int count = tests.find() ? Integer.parseInt(tests.group(1).replace(",", "")) : 0;
        return new ClassTime(name.group(1), Double.parseDouble(time.group(1).replace(",", "")), count);
    }

    /**
     * Whether the class's file names {@link Slow}, or JUnit's {@code Tag} with a constant that is
     * exactly {@code slow}. A report of a class whose file is not found (it no longer exists) is
     * over the limit like any other.
     */
    static boolean markedSlow(String className, List<Path> classDirs) {
        for (Path dir : classDirs) {
            Path file = dir.resolve(className.replace('.', '/') + ".class");
            if (Files.isRegularFile(file)) {
                try {
                    byte[] bytes = Files.readAllBytes(file);
                    return contains(bytes, utf8Constant("L" + Slow.class.getName().replace('.', '/') + ";"))
                            || contains(bytes, utf8Constant("Lorg/junit/jupiter/api/Tag;")) && contains(bytes, utf8Constant("slow"));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + file, e);
                }
            }
        }
        return false;
    }

    /** A class file's constant pool entry for {@code text}: tag 1, a two-byte length, the bytes. */
    private static byte[] utf8Constant(String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        byte[] entry = new byte[t.length + 3];
        entry[0] = 1;
        entry[1] = (byte) (t.length >> 8);
        entry[2] = (byte) t.length;
        System.arraycopy(t, 0, entry, 3, t.length);
        return entry;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
