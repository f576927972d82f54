package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar as a user without the launcher runs it ({@code java -jar}): moved elsewhere, its
 * servers, its log lines, its schema check and the notices it carries. The launcher's own runs are
 * {@link LauncherLiveTest}'s; the two are apart so that neither class holds every JVM start.
 */
class RunnableJarLiveTest {
    @BeforeAll
    static void liveTestsOn() {
        LiveCodex.binary();
    }

    /** A line slf4j-simple wrote: the thread in brackets, the level, the logger and " - ". */
    private static final Pattern LOG_LINE = Pattern.compile("\\[[^\\]]+\\] (TRACE|DEBUG|INFO|WARN|ERROR) \\S+ - ");
    /** The same with the CLI's timestamp before it. */
    private static final Pattern TIMESTAMPED_LOG_LINE = Pattern.compile(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) \\[[^\\]]+\\] (TRACE|DEBUG|INFO|WARN|ERROR) ");

    @TempDir
    Path tmp;

    /**
     * The runnable jar carries its dependencies relocated (nothing outside dev/codexbridge but
     * META-INF), their service files renamed to match, and still reads YAML and writes JSON; the
     * build leaves no second jar beside it.
     */
    @Test
    void theRunnableJarIsRelocatedAndWorks() throws IOException, InterruptedException {
        Path jar = Paths.get("target", "codex-bridge.jar").toAbsolutePath();
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            List<String> names = zip.stream().map(java.util.zip.ZipEntry::getName).toList();
            // every class is ours or relocated under ours; data files a library loads by name may stay put
            assertThat(names).filteredOn(n -> n.endsWith(".class")).allMatch(n -> n.startsWith("dev/codexbridge/"));
            assertThat(names).contains("dev/codexbridge/shaded/jackson/databind/ObjectMapper.class",
                    "dev/codexbridge/shaded/snakeyaml/Yaml.class", "dev/codexbridge/shaded/picocli/CommandLine.class",
                    "META-INF/services/dev.codexbridge.shaded.slf4j.spi.SLF4JServiceProvider");
        }
        try (var jars = Files.list(jar.getParent())) {
            assertThat(jars.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".jar"))).containsExactly("codex-bridge.jar");
        }
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path yaml = tmp.resolve("host.yaml");
        Files.writeString(yaml, "mcp_servers:\n  fetch:\n    command: uvx\n    args: [mcp-server-fetch]\n");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-jar", jar.toString(), "migrate", "--codex-home", home.toString(),
                "--mcp-config", yaml.toString(), "--no-plugins", "--json").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).startsWith("{\"target\":").contains("\"name\":\"fetch\"").contains("\"written\":true")
                .doesNotContain("SLF4J");
        assertThat(Files.readString(home.resolve("config.toml"))).contains("[mcp_servers.fetch]");
    }

    /**
     * The jar's schema check (json-schema, relocated with its meta-schemas and messages, decision
     * 0066) finds every draft it was built for: a schema naming draft-04, draft-07, 2019-09 or none
     * (2020-12) is checked, not refused as unusable. Run from a source file on the jar alone.
     */
    @Test
    void theRunnableJarsSchemaCheckFindsItsMetaSchemas() throws IOException, InterruptedException {
        Path jar = Paths.get("target", "codex-bridge.jar").toAbsolutePath();
        Path source = tmp.resolve("Check.java");
        Files.writeString(source, """
                import java.util.Map;
                public class Check {
                    public static void main(String[] args) {
                        var check = new dev.codexbridge.mcp.OutputSchemaCheck();
                        for (String draft : new String[] {"http://json-schema.org/draft-04/schema#",
                                "http://json-schema.org/draft-07/schema#", "https://json-schema.org/draft/2019-09/schema", null}) {
                            Map<String, Object> schema = new java.util.HashMap<>(Map.of("type", "object",
                                    "properties", Map.of("n", Map.of("type", "integer"))));
                            if (draft != null) {
                                schema.put("$schema", draft);
                            }
                            System.out.println(check.validate(schema, Map.of("n", "seven")).errorMessage());
                        }
                    }
                }
                """);
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", jar.toString(), source.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out.lines()).containsExactly("does not match the schema: /n: Value is [string] but should be [integer]",
                "does not match the schema: /n: Value is [string] but should be [integer]",
                "does not match the schema: /n: Value is [string] but should be [integer]",
                "does not match the schema: /n: Value is [string] but should be [integer]");
    }

    /**
     * {@code a2a} and {@code mcp --http} from the runnable jar, where slf4j and Jetty are relocated:
     * what they print on stderr while they start and stop holds none of Jetty's notices. (One
     * shared codex, whose thread owners' record goes under the test's folder: nothing is left in
     * the user's folders.)
     */
    @Test
    void theServersFromTheRunnableJarPrintNoJettyNotices() throws IOException, InterruptedException {
        Path dir = TestDirs.create("launcher-servers");
        try {
            String a2a = serverOutput(dir, "A2A agent at", "a2a", "--listen", "127.0.0.1:0");
            String mcp = serverOutput(dir, "MCP server (Streamable HTTP) at", "mcp", "--http", "127.0.0.1:0", "--anonymous=bob");
            for (String out : List.of(a2a, mcp)) {
                assertThat(out.lines()).as(out).noneMatch(l -> l.toLowerCase(Locale.ROOT).contains("jetty"));
                // whatever they log carries its timestamp (decision 0101)
                assertThat(out.lines()).as(out).filteredOn(l -> LOG_LINE.matcher(l).find())
                        .allMatch(l -> TIMESTAMPED_LOG_LINE.matcher(l).lookingAt());
            }
        } finally {
            TestDirs.delete(dir);
        }
    }

    /**
     * The runnable jar's log lines, where slf4j-simple and the names of its settings are relocated:
     * each starts with its ISO-8601 timestamp; a user's {@code -Dorg.slf4j.simpleLogger.*} setting,
     * as slf4j-simple documents it, still wins; with {@code --log-format json} every line on stderr
     * is a JSON object, SLF4J's own notice of the provider included (decision 0101). The line
     * logged: a context record {@code a2a} cannot read, named with a quote, a newline and a bell.
     * No codex is started (the callers' codexes start on a first call).
     */
    @Test
    void theRunnableJarsLogLinesCarryATimestampOrAreJson() throws Exception {
        Path dir = TestDirs.create("launcher-logs");
        try {
            Path contexts = Files.createDirectory(dir.resolve("contexts"),
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            String name = "bad\"name\nx\u0007.json";
            Files.writeString(contexts.resolve(name), "not a record");
            String warn = " WARN dev.codexbridge.a2a.FileContextStore - ignoring the unreadable A2A context record ";

            List<String> text = jarA2a(dir, contexts, List.of(), List.of());
            assertThat(text).as(String.join("\n", text)).anySatisfy(l -> {
                assertThat(l).contains("[main]" + warn);
                String timestamp = l.substring(0, l.indexOf(' '));
                assertThat(timestamp).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d)");
                assertThat(java.time.OffsetDateTime.parse(timestamp).toInstant())
                        .isBetween(java.time.Instant.now().minusSeconds(120), java.time.Instant.now());
            });

            List<String> own = jarA2a(dir, contexts, List.of("-Dorg.slf4j.simpleLogger.showDateTime=false"), List.of());
            assertThat(own).as(String.join("\n", own)).anyMatch(l -> l.startsWith("[main]" + warn));

            List<String> json = jarA2a(dir, contexts, List.of(), List.of("--log-format", "json"));
            assertThat(json).isNotEmpty();
            List<com.fasterxml.jackson.databind.JsonNode> records = new ArrayList<>();
            for (String line : json) {
                records.add(dev.codexbridge.json.Json.parse(line));
            }
            assertThat(records).allSatisfy(r -> assertThat(r.path("timestamp").asText()).endsWith("Z").hasSize(24));
            assertThat(records).anySatisfy(r -> {
                assertThat(r.path("level").asText()).isEqualTo("WARN");
                assertThat(r.path("logger").asText()).isEqualTo("dev.codexbridge.a2a.FileContextStore");
                assertThat(r.path("thread").asText()).isEqualTo("main");
                assertThat(r.path("message").asText()).contains(contexts.resolve(name) + ": ");
            });
        } finally {
            TestDirs.delete(dir);
        }
    }

    /** Stderr of the runnable jar's {@code a2a} on {@code contexts}, in UTC, from its start to its stop. */
    private static List<String> jarA2a(Path dir, Path contexts, List<String> jvm, List<String> more) throws Exception {
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Duser.timezone=UTC"));
        command.addAll(jvm);
        command.addAll(List.of("-jar", Paths.get("target", "codex-bridge.jar").toAbsolutePath().toString(), "a2a",
                "--listen", "127.0.0.1:0", "--contexts", contexts.toString(), "--codex-bin", "/bin/true",
                "--workspace", Files.createDirectories(dir.resolve("work")).toString()));
        command.addAll(more);
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("CODEX_BRIDGE_LOG_FORMAT");
        pb.environment().put("XDG_DATA_HOME", dir.resolve("data").toString());
        pb.environment().put("CODEX_HOME", Files.createDirectories(dir.resolve("codex-home")).toString());
        return dev.codexbridge.support.A2aCommandProcess.stderrUntilStopped(pb);
    }

    /**
     * Stderr of the runnable jar's server command {@code args} on the offline demo with one shared
     * codex working in {@code dir}, from its start, through the line containing {@code listening}, to its stop.
     */
    private static String serverOutput(Path dir, String listening, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dcodexbridge.codexDir=" + System.getProperty("codexbridge.codexDir"), "-jar",
                Paths.get("target", "codex-bridge.jar").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("--offline-demo", "--shared-codex", "--workspace", dir.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("XDG_DATA_HOME", dir.resolve("data").toString());
        Process p = pb.start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = err.readLine()) != null) {
                out.append(line).append('\n');
                if (line.contains(listening)) {
                    break;
                }
            }
            assertThat(line).as("the server started: %s", out).isNotNull();
            p.toHandle().destroy();   // SIGTERM, the streams left open (Process.destroy closes them): the stop's lines too
            while ((line = err.readLine()) != null) {
                out.append(line).append('\n');
            }
        } finally {
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the server stops on SIGTERM").isTrue();
        }
        return out.toString();
    }

    /**
     * Everything the runnable jar bundles is named, with its version, licence and copyright, in
     * META-INF/THIRD-PARTY.txt (the repository's THIRD-PARTY.txt, licence texts included): every
     * library that left its Maven coordinates in the jar, and those that did not (tomlj, the ANTLR
     * runtime inside it, picocli). codex-bridge's NOTICE and every bundled NOTICE survive in
     * META-INF/NOTICE, the licence files of the code inside jackson-core are kept, and
     * META-INF/LICENSE is codex-bridge's own (no one library's LICENSE file stands in for all).
     */
    @Test
    void theRunnableJarCarriesTheNoticesOfEverythingItBundles() throws IOException {
        Path jar = Paths.get("target", "codex-bridge.jar").toAbsolutePath();
        String thirdParty = Files.readString(Paths.get("THIRD-PARTY.txt"), StandardCharsets.UTF_8);
        String pom = Files.readString(Paths.get("pom.xml"), StandardCharsets.UTF_8);
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            List<String> names = zip.stream().map(ZipEntry::getName).toList();
            assertThat(entry(zip, "META-INF/THIRD-PARTY.txt")).isEqualTo(thirdParty);
            List<String> bundled = names.stream()
                    .filter(n -> n.startsWith("META-INF/maven/") && n.endsWith("/pom.properties"))
                    .filter(n -> !n.startsWith("META-INF/maven/dev.codexbridge/")).toList();
            assertThat(bundled).hasSizeGreaterThan(10);
            for (String name : bundled) {
                Properties p = new Properties();
                p.load(new StringReader(entry(zip, name)));
                assertThat(thirdParty).as("THIRD-PARTY.txt names %s", name)
                        .contains(p.getProperty("groupId") + ":" + p.getProperty("artifactId") + " " + p.getProperty("version"));
            }
            assertThat(thirdParty).contains("org.tomlj:tomlj " + property(pom, "tomlj.version"),
                    "info.picocli:picocli " + property(pom, "picocli.version"),
                    "BSD 3-clause License, Copyright (c) 2012-2017 The ANTLR", "Version 2.0, January 2004",
                    "Copyright (c) 2004-2022 QOS.ch Sarl");
            Matcher antlr = Pattern.compile("org\\.antlr:antlr4-runtime (\\S+)\\)").matcher(thirdParty);
            assertThat(antlr.find()).isTrue();
            String runtime = new String(bytes(zip, "dev/codexbridge/shaded/tomlj/internal/antlr/v4/runtime/RuntimeMetaData.class"),
                    StandardCharsets.ISO_8859_1);
            assertThat(runtime).as("the bundled ANTLR runtime's version").contains(antlr.group(1));
            assertThat(entry(zip, "META-INF/NOTICE")).contains("Tatu Saloranta", "FastDoubleParser", "Schubfach");
            assertThat(entry(zip, "META-INF/NOTICE")).as("codex-bridge's own NOTICE")
                    .contains(Files.readString(Paths.get("NOTICE"), StandardCharsets.UTF_8).lines().findFirst().orElseThrow());
            assertThat(names).contains("META-INF/FastDoubleParser-LICENSE", "META-INF/FastDoubleParser-ThirdParty-LICENSE",
                    "META-INF/Schubfach-LICENSE").doesNotContain("META-INF/LICENSE.txt", "THIRD-PARTY.txt");
            assertThat(entry(zip, "META-INF/LICENSE")).as("the jar's licence is codex-bridge's")
                    .isEqualTo(Files.readString(Paths.get("LICENSE"), StandardCharsets.UTF_8));
            // picocli inside this jar only is compiled for Java 17 (class file 61), so class data
            // sharing archives it (decision 0017); the published poms use info.picocli:picocli
            byte[] commandLine = bytes(zip, "dev/codexbridge/shaded/picocli/CommandLine.class");
            assertThat(((commandLine[6] & 0xff) << 8) | (commandLine[7] & 0xff)).as("CommandLine's class file version").isEqualTo(61);
        }
    }

    private static String entry(ZipFile zip, String name) throws IOException {
        return new String(bytes(zip, name), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ZipFile zip, String name) throws IOException {
        ZipEntry e = zip.getEntry(name);
        assertThat(e).as(name).isNotNull();
        try (InputStream in = zip.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)<").matcher(pom);
        assertThat(m.find()).as(name).isTrue();
        return m.group(1);
    }
}
