package dev.codexbridge.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every {@code ```java} block of README.md and docs/ is a region of an example class that a
 * module's build compiles, so a removed or renamed API cannot stay in the docs. A region sits
 * between {@code // <doc>#<part>:BEGIN} and {@code // <doc>#<part>:END} (the {@code #part} may be
 * left out) in a test source folder some module's pom compiles (its {@code testSourceDirectory} or
 * an added test source); the doc shows it byte for byte, less the BEGIN marker's indentation, so a
 * fragment can be the body of a method whose imports and parameters stay outside the markers.
 * The samples that need a module's class path (A2A, MCP, LangChain4j, Spring AI, the starters)
 * compile in that module's tests; this check reads them all from the source tree.
 */
class DocsJavaBlocksTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("^```java\n(.*?)^```$", Pattern.DOTALL | Pattern.MULTILINE);
    private static final Pattern BEGIN = Pattern.compile("^( *)// (\\S+):BEGIN$", Pattern.MULTILINE);
    /** A test source folder named in a module's pom: {@code ${codexbridge.root}/src/…/test/java} or {@code src/test/java}. */
    private static final Pattern TEST_SOURCES = Pattern.compile("\\$\\{codexbridge\\.root}/(src/(?:[^<]*/)?test/java)<");

    /** A region of an example class: the doc it is shown in, its marker and its text as the doc shows it. */
    record Region(String doc, String marker, Path source, String text) { }

    /** A {@code ```java} block of a doc and the line its fence opens on. */
    record Block(String doc, int line, String text) { }

    @Test
    void everyJavaBlockOfTheDocsIsACompiledRegion() throws IOException {
        List<Region> regions = regions();
        List<String> unbacked = new ArrayList<>();
        for (Block block : blocks()) {
            if (regions.stream().noneMatch(r -> r.doc().equals(block.doc()) && r.text().equals(block.text()))) {
                unbacked.add(block.doc() + ":" + block.line() + " (" + firstLine(block.text()) + ")");
            }
        }
        assertThat(unbacked).as("```java blocks no compiled example region shows byte for byte: make each the region of "
                + "an example class in a compiled test folder (" + testSourceFolders() + "), between // DOC#part:BEGIN "
                + "and // DOC#part:END").isEmpty();
    }

    @Test
    void everyRegionIsShownInTheDocItNames() throws IOException {
        List<String> missing = new ArrayList<>();
        Set<String> markers = new LinkedHashSet<>();
        for (Region region : regions()) {
            if (!markers.add(region.marker())) {
                missing.add(region.marker() + " marks two regions");
            }
            Path doc = Paths.get(region.doc());
            if (!Files.isRegularFile(doc) || !Files.readString(doc).contains("```java\n" + region.text() + "```\n")) {
                missing.add(region.source() + ": " + region.marker() + " is not a ```java block of " + region.doc());
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void theCheckSeesEveryModulesExamples() throws IOException {
        // a folder dropped from the poms (or renamed) would hide its regions from both checks above
        assertThat(testSourceFolders()).contains(Paths.get("src/test/java"), Paths.get("src/a2a/test/java"), Paths.get("src/mcp/test/java"),
                Paths.get("src/langchain4j/test/java"), Paths.get("src/spring-ai-common/test/java"),
                Paths.get("src/spring-boot-common/test/java"));
        assertThat(regions()).extracting(Region::source).extracting(p -> p.subpath(0, 2).toString()).contains(
                "src/test", "src/a2a", "src/mcp", "src/langchain4j", "src/spring-ai-common", "src/spring-boot-common");
    }

    @Test
    void aFragmentsRegionIsShownLessItsBeginMarkersIndentation() {
        String source = "class A {\n    void f() {\n        // docs/x.md#f:BEGIN\n        int a = 1;\n\n        if (a > 0) {\n"
                + "            a++;\n        }\n        // docs/x.md#f:END\n    }\n}\n";
        assertThat(regionsOf(Paths.get("A.java"), source)).singleElement().satisfies(r -> {
            assertThat(r.doc()).isEqualTo("docs/x.md");
            assertThat(r.marker()).isEqualTo("docs/x.md#f");
            assertThat(r.text()).isEqualTo("int a = 1;\n\nif (a > 0) {\n    a++;\n}\n");
        });
    }

    static List<Block> blocks() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(Paths.get("README.md")));
        try (Stream<Path> files = Files.walk(Paths.get("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        List<Block> blocks = new ArrayList<>();
        for (Path doc : docs) {
            String text = Files.readString(doc);
            Matcher m = JAVA_BLOCK.matcher(text);
            while (m.find()) {
                int line = (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
                blocks.add(new Block(doc.toString(), line, m.group(1)));
            }
        }
        return blocks;
    }

    static List<Region> regions() throws IOException {
        List<Region> regions = new ArrayList<>();
        for (Path folder : testSourceFolders()) {
            try (Stream<Path> files = Files.walk(folder)) {
                for (Path source : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                    regions.addAll(regionsOf(source, Files.readString(source)));
                }
            }
        }
        return regions;
    }

    static List<Region> regionsOf(Path source, String text) {
        List<Region> regions = new ArrayList<>();
        Matcher m = BEGIN.matcher(text);
        while (m.find()) {
            String indent = m.group(1);
            String marker = m.group(2);
            int end = text.indexOf("\n" + indent + "// " + marker + ":END\n", m.end());
            assertThat(end).as(source + ": " + marker + " has no END marker at the BEGIN marker's indentation").isPositive();
            StringBuilder shown = new StringBuilder();
            for (String line : text.substring(m.end() + 1, end + 1).split("\n", -1)) {
                assertThat(line.isEmpty() || line.startsWith(indent)).as(source + ": a line of " + marker + " left of its BEGIN marker: " + line)
                        .isTrue();
                shown.append(line.isEmpty() ? "" : line.substring(indent.length())).append('\n');
            }
            int hash = marker.indexOf('#');
            regions.add(new Region(hash < 0 ? marker : marker.substring(0, hash), marker, source,
                    shown.substring(0, shown.length() - 1)));
        }
        return regions;
    }

    /** The test source folders the modules' poms compile, from the poms themselves. */
    static Set<Path> testSourceFolders() throws IOException {
        Set<Path> folders = new LinkedHashSet<>();
        try (Stream<Path> poms = Files.list(Paths.get("modules"))) {
            poms.map(m -> m.resolve("pom.xml")).filter(Files::isRegularFile).sorted().forEach(pom -> {
                try {
                    Matcher m = TEST_SOURCES.matcher(Files.readString(pom));
                    while (m.find()) {
                        folders.add(Paths.get(m.group(1)));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return folders;
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}
