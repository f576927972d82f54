package dev.codexbridge.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlowClassCheckTest {
    @TempDir
    Path reports;

    @Test
    void readsTheSuitesNameAndTimeIncludingThousandsSeparators() {
        assertThat(SlowClassCheck.parse("<?xml version=\"1.0\"?>\n<testsuite xmlns:x=\"y\" name=\"a.B\" time=\"1,234.5\" tests=\"3\">"))
                .isEqualTo(new SlowClassCheck.ClassTime("a.B", 1234.5, 3));
        assertThat(SlowClassCheck.parse("<testsuites/>")).isNull();
    }

    @Test
    void theCpuRecordsLinesAreReadAndACutLineIsSkipped() {
        assertThat(SlowClassCheck.cpu(List.of("a.B\t12.50\t30.00\t4242", "c.D\t1", "e.F\tx\t1\t1", "g.H\t0.25\t1.5\t7")))
                .containsExactly(new SlowClassCheck.ClassCpu("a.B", 12.5, 30), new SlowClassCheck.ClassCpu("g.H", 0.25, 1.5));
    }

    @Test
    void theCpuRecordIsPrintedOnceAndMovedAsideForTheNextBuild() throws IOException {
        Path classes = Files.createDirectories(reports.resolve("module/test-classes"));
        Files.writeString(reports.resolve("module/class-cpu.tsv"), "a.B\t2.00\t3.00\t1\n");

        SlowClassCheck.printCostliest(List.of(classes));

        assertThat(reports.resolve("module/class-cpu.tsv")).doesNotExist();
        assertThat(reports.resolve("module/class-cpu.last.tsv")).hasContent("a.B\t2.00\t3.00\t1");
    }

    @Test
    void aClassOverTheLimitFailsUnlessMarkedSlowAndOneThatNoLongerExistsCounts() {
        var unmarked = new SlowClassCheck.ClassTime(Unmarked.class.getName(), 61, 1);
        var marked = new SlowClassCheck.ClassTime(Marked.class.getName(), 600, 1);
        var gone = new SlowClassCheck.ClassTime("dev.codexbridge.NoSuchTest", 61, 1);
        var quick = new SlowClassCheck.ClassTime(Unmarked.class.getName(), 59.9, 1);

        var tagged = new SlowClassCheck.ClassTime(Tagged.class.getName(), 600, 1);
        var taggedOtherwise = new SlowClassCheck.ClassTime(TaggedOtherwise.class.getName(), 61, 1);

        assertThat(SlowClassCheck.unmarkedOver(60, List.of(unmarked, marked, gone, quick, tagged, taggedOtherwise), List.of(reports, classes())))
                .containsExactly(unmarked, gone, taggedOtherwise);
        assertThat(SlowClassCheck.unmarkedOver(60, List.of(marked), List.of(reports)))
                .as("a class whose file is in none of the folders counts as unmarked").containsExactly(marked);
    }

    @Test
    void aClassWithinTheSpreadIsWarnedAboutAndOnePastItFails() {
        var within = new SlowClassCheck.ClassTime(Unmarked.class.getName(), 89, 1);
        var past = new SlowClassCheck.ClassTime(TaggedOtherwise.class.getName(), 91, 1);
        var marked = new SlowClassCheck.ClassTime(Marked.class.getName(), 89, 1);
        var times = List.of(within, past, marked);

        assertThat(SlowClassCheck.withinSpread(60, 1.5, times, List.of(classes()))).containsExactly(within);
        assertThat(SlowClassCheck.unmarkedOver(60 * 1.5, times, List.of(classes()))).containsExactly(past);
    }

    private static Path classes() {
        try {
            return Path.of(SlowClassCheckTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theLimitGrowsWithTheBuildsPaceButNeverShrinks() {
        // 10 tests in 20 s: 2 s a test against a reference of 0.8: this build ran 2.5 times slower
        var slowBuild = List.of(new SlowClassCheck.ClassTime("a.A", 15, 4), new SlowClassCheck.ClassTime("a.B", 5, 6));
        assertThat(SlowClassCheck.pace(slowBuild, 0.8)).isEqualTo(2.5);
        // faster than the reference: the limit stays as it is
        assertThat(SlowClassCheck.pace(List.of(new SlowClassCheck.ClassTime("a.A", 1, 10)), 0.8)).isEqualTo(1);
        assertThat(SlowClassCheck.pace(List.of(), 0.8)).isEqualTo(1);
        // a class that is slow beside its own suite still fails at the build's pace
        var outlier = new SlowClassCheck.ClassTime(Unmarked.class.getName(), 151, 1);
        var paced = List.of(outlier, new SlowClassCheck.ClassTime("a.B", 149, 1));
        assertThat(SlowClassCheck.unmarkedOver(60 * SlowClassCheck.pace(slowBuild, 0.8), paced, List.of(classes()))).containsExactly(outlier);
    }

    static class Unmarked {
    }

    @Slow("only here to be read by the check")
    static class Marked {
    }

    /** As a module that cannot see {@link Slow} marks a class. */
    @org.junit.jupiter.api.Tag("slow")
    static class Tagged {
    }

    @org.junit.jupiter.api.Tag("live")
    static class TaggedOtherwise {
    }

    @Test
    void ignoresReportsWrittenBeforeThisBuild() throws IOException {
        Path old = Files.writeString(reports.resolve("TEST-a.Old.xml"), "<testsuite name=\"a.Old\" time=\"99\">");
        Files.setLastModifiedTime(old, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        Files.writeString(reports.resolve("TEST-a.New.xml"), "<testsuite name=\"a.New\" time=\"2\">");
        Files.writeString(reports.resolve("a.New.txt"), "not a report");

        assertThat(SlowClassCheck.times(reports, Instant.parse("2021-01-01T00:00:00Z")))
                .containsExactly(new SlowClassCheck.ClassTime("a.New", 2, 0));
    }
}
