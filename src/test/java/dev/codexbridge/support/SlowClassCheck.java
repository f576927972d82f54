package dev.codexbridge.support;

import java.io.IOException;
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
 * <p>Run by modules/tests in {@code verify}: {@code SlowClassCheck LIMIT_SECONDS SINCE REPORT_DIR...}.
 */
public final class SlowClassCheck {
    private static final Pattern SUITE = Pattern.compile("<testsuite\\b[^>]*>");
    private static final Pattern NAME = Pattern.compile("\\bname=\"([^\"]+)\"");
    private static final Pattern TIME = Pattern.compile("\\btime=\"([0-9.,]+)\"");

    private SlowClassCheck() {
    }

    /** One class's time as a report gives it. */
    record ClassTime(String className, double seconds) {
    }

    public static void main(String[] args) throws IOException {
        double limit = Double.parseDouble(args[0]);
        Instant since = args[1].isBlank() ? Instant.EPOCH : Instant.parse(args[1]);
        List<ClassTime> read = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            read.addAll(times(Path.of(args[i]), since));
        }
        List<ClassTime> over = unmarkedOver(limit, read);
        if (!over.isEmpty()) {
            StringBuilder list = new StringBuilder();
            over.forEach(t -> list.append(String.format(Locale.ROOT, "  %s: %.1f s%n", t.className(), t.seconds())));
            System.err.printf(Locale.ROOT, "SlowClassCheck: %d test class(es) took over %.1f s without @Slow (dev.codexbridge.support.Slow):%n%s"
                    + "Split the class, share its codex, shorten a wait that is a timeout in disguise, or mark it @Slow(\"why\").%n",
                    over.size(), limit, list);
            System.exit(1);
        }
        System.out.printf(Locale.ROOT, "SlowClassCheck: %d report(s) from this build, none over %.0f s unmarked%n", read.size(), limit);
    }

    /** The classes that took longer than the limit and are not marked {@link Slow}. */
    static List<ClassTime> unmarkedOver(double limitSeconds, List<ClassTime> times) {
        return times.stream().filter(t -> t.seconds() > limitSeconds && !markedSlow(t.className())).toList();
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

    /** The report's suite name and time, or null when the report has no suite element. */
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
        return new ClassTime(name.group(1), Double.parseDouble(time.group(1).replace(",", "")));
    }

    private static boolean markedSlow(String className) {
        try {
            return Class.forName(className, false, SlowClassCheck.class.getClassLoader()).isAnnotationPresent(Slow.class);
        } catch (ClassNotFoundException e) {
            return false; // a report of a class that no longer exists is over the limit like any other
        }
    }
}
