package dev.codexbridge.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.session.CodexSession;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A host whose own code is on Jackson 3 never needs a Jackson 2 type (decision 0031): {@code javap
 * -public} over the compiled host-facing packages, and every public or protected member that names
 * a {@code com.fasterxml} type must have a twin that names none.
 *
 * <p>The twin of member {@code m} of class {@code C}: a member of {@code C} that names no
 * {@code com.fasterxml} type, is a method or constructor as {@code m} is, static as {@code m} is,
 * takes as many parameters, and is called {@code m}, {@code mJson} or {@code mText} (the last for
 * a name that already ends in {@code Json}: {@code toJson} → {@code toJsonText}). A constructor's
 * twin is a public static factory of {@code C} returning {@code C} whose name ends in {@code Json}
 * ({@code DynamicTool.ofJson}). A public class that itself extends or implements a Jackson 2 type
 * has no twin. {@link #ALLOWED} holds the few exceptions, each with its reason; an entry that no
 * longer matches anything fails too, so the list cannot go stale.
 */
class JacksonTwinsTest {
    private static final List<String> PACKAGES = List.of(
            "dev.codexbridge.session", "dev.codexbridge.approval", "dev.codexbridge.tool", "dev.codexbridge.transcript");

    /** {@code class#member} (a constructor is {@code <init>}) → why it needs no twin. */
    private static final Map<String, String> ALLOWED = Map.of(
            "dev.codexbridge.session.TurnOptions#<init>",
            "hosts build TurnOptions with builder() or DEFAULTS.with…; Builder.outputSchemaJson and extraParamsJson are the twins",
            "dev.codexbridge.tool.DynamicTool$Handler#call",
            "a host implements DynamicTool.JsonHandler (arguments as JSON text) and builds the tool with DynamicTool.ofJson",
            "dev.codexbridge.transcript.CanonicalJson#sorted",
            "a tree-to-tree helper for hosts already on Jackson 2; CanonicalJson.writeText gives the same sorted text from JSON text");

    private static Map<String, JavapClass> classes;

    @BeforeAll
    static void disassemble() throws Exception {
        classes = javap(libraryClasses());
    }

    @Test
    void everyHostFacingMemberThatNamesAJackson2TypeHasATwin() {
        List<String> missing = new ArrayList<>();
        Set<String> allowedUsed = new TreeSet<>();
        int jacksonMembers = 0;
        for (JavapClass c : classes.values()) {
            if (!effectivelyPublic(c)) {
                continue;
            }
            if (c.header.contains("com.fasterxml.")) {
                missing.add(c.name + " itself: " + c.header);
            }
            for (Member m : c.members) {
                if (!m.namesJackson2()) {
                    continue;
                }
                jacksonMembers++;
                String key = c.name + "#" + (m.constructor ? "<init>" : m.name);
                if (ALLOWED.containsKey(key)) {
                    allowedUsed.add(key);
                } else if (c.members.stream().noneMatch(t -> isTwin(c, m, t))) {
                    missing.add(c.name + ": " + m.line);
                }
            }
        }
        assertThat(missing).as("host-facing members that name a Jackson 2 type and have no twin (decision 0031)").isEmpty();
        assertThat(allowedUsed).as("allow-list entries that still match a member").isEqualTo(new TreeSet<>(ALLOWED.keySet()));
        // the scan read what it checks: the Jackson 2 members of TurnOptions, ApprovalDecision, DynamicTool, ... are many
        assertThat(jacksonMembers).isGreaterThan(20);
    }

    @Test
    void theRuleFindsAMemberWithoutATwinAndAcceptsEachKindOfTwin() {
        JavapClass probe = parse(List.of(
                "public final class p.Probe {",
                "  public p.Probe(com.fasterxml.jackson.databind.JsonNode);",
                "  public static p.Probe ofJson(java.lang.String);",
                "  public com.fasterxml.jackson.databind.JsonNode schema();",
                "  public java.lang.String schemaJson();",
                "  public com.fasterxml.jackson.databind.node.ArrayNode toJson();",
                "  public java.lang.String toJsonText();",
                "  public void read(java.lang.String, com.fasterxml.jackson.databind.JsonNode) throws java.io.IOException;",
                "  public void read(java.lang.String);",
                "  public static <T> T convert(java.util.Map<java.lang.String, com.fasterxml.jackson.databind.JsonNode>, java.lang.Class<T>);",
                "}")).get("p.Probe");
        Map<String, Boolean> twinned = new LinkedHashMap<>();
        for (Member m : probe.members) {
            if (m.namesJackson2()) {
                twinned.put(m.constructor ? "<init>" : m.name, probe.members.stream().anyMatch(t -> isTwin(probe, m, t)));
            }
        }
        // read(String) has one parameter, not two: not a twin; convert has none at all
        assertThat(twinned).containsExactly(Map.entry("<init>", true), Map.entry("schema", true), Map.entry("toJson", true),
                Map.entry("read", false), Map.entry("convert", false));
        // convert(Map<String, JsonNode>, Class<T>): commas inside type arguments do not count
        assertThat(probe.members.get(8).parameters).isEqualTo(2);
    }

    private static boolean isTwin(JavapClass c, Member m, Member t) {
        if (t == m || t.namesJackson2()) {
            return false;
        }
        if (m.constructor) {
            return !t.constructor && t.isStatic && t.name.endsWith("Json") && t.returnType.equals(c.name);
        }
        return !t.constructor && t.isStatic == m.isStatic && t.parameters == m.parameters
                && (t.name.equals(m.name) || t.name.equals(m.name + "Json") || t.name.equals(m.name + "Text"));
    }

    private static boolean effectivelyPublic(JavapClass c) {
        if (!c.isPublic) {
            return false;
        }
        int nested = c.name.lastIndexOf('$');
        if (nested < 0) {
            return true;
        }
        JavapClass outer = classes.get(c.name.substring(0, nested));
        return outer != null && effectivelyPublic(outer);
    }

    /** The compiled classes of {@link #PACKAGES}, from the library's jar or class folder on the test class path. */
    private static List<String> libraryClasses() throws IOException, URISyntaxException {
        Path location = Path.of(CodexSession.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> entries;
        if (Files.isDirectory(location)) {
            try (Stream<Path> files = Files.walk(location)) {
                entries = files.map(p -> location.relativize(p).toString().replace('\\', '/')).collect(Collectors.toList());
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                entries = jar.stream().map(e -> e.getName()).collect(Collectors.toList());
            }
        }
        List<String> names = entries.stream()
                .filter(e -> e.endsWith(".class") && !e.endsWith("package-info.class") && !e.endsWith("module-info.class"))
                .map(e -> e.substring(0, e.length() - ".class".length()).replace('/', '.'))
                .filter(n -> PACKAGES.contains(n.substring(0, n.lastIndexOf('.'))))
                .sorted()
                .collect(Collectors.toList());
        assertThat(names).as("classes found in " + location).hasSizeGreaterThan(30);
        List<String> args = new ArrayList<>(List.of("-public", "-cp", location.toString()));
        args.addAll(names);
        return args;
    }

    private static Map<String, JavapClass> javap(List<String> args) {
        ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow(() -> new IllegalStateException("no javap in this JDK"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = javap.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        assertThat(exit).as("javap: " + err).isZero();
        return parse(out.toString().lines().collect(Collectors.toList()));
    }

    private static Map<String, JavapClass> parse(List<String> lines) {
        Map<String, JavapClass> parsed = new LinkedHashMap<>();
        JavapClass current = null;
        for (String line : lines) {
            if (line.startsWith("Compiled from") || line.isBlank()) {
                continue;
            }
            if (current == null && line.endsWith("{")) {
                current = new JavapClass(line);
                parsed.put(current.name, current);
            } else if (line.equals("}")) {
                current = null;
            } else if (current != null && line.endsWith(";")) {
                current.members.add(new Member(current.name, line.strip()));
            }
        }
        return parsed;
    }

    private static final class JavapClass {
        final String header;
        final String name;
        final boolean isPublic;
        final List<Member> members = new ArrayList<>();

        JavapClass(String header) {
            this.header = header;
            String[] words = header.split("\\s+");
            String found = null;
            for (int i = 0; i < words.length - 1; i++) {
                if (Set.of("class", "interface", "enum").contains(words[i])) {
                    found = words[i + 1].replaceAll("<.*", "");
                    break;
                }
            }
            this.name = found;
            this.isPublic = header.startsWith("public ");
        }
    }

    private static final class Member {
        final String line;
        final String name;
        final String returnType;
        final boolean constructor;
        final boolean isStatic;
        final int parameters;

        Member(String className, String line) {
            this.line = line;
            String body = line.substring(0, line.length() - 1);
            int open = body.indexOf('(');
            if (open < 0) { // a field: modifiers, type, name
                String[] words = body.split("\\s+");
                name = words[words.length - 1];
                returnType = words[words.length - 2];
                constructor = false;
                isStatic = body.contains("static ");
                parameters = -1;
                return;
            }
            String params = body.substring(open + 1, body.lastIndexOf(')'));
            String head = body.substring(0, open).replaceAll("<[^()]*?>\\s+", "");   // a generic method's type parameters
            String[] words = head.split("\\s+");
            name = words[words.length - 1];
            constructor = name.equals(className);
            returnType = constructor ? className : words[words.length - 2];
            isStatic = Set.of(words).contains("static");
            parameters = countTopLevel(params);
        }

        boolean namesJackson2() {
            String signature = line.replaceAll("\\)\\s+throws .*", ")");
            return signature.contains("com.fasterxml.");
        }

        private static int countTopLevel(String params) {
            if (params.isBlank()) {
                return 0;
            }
            int depth = 0;
            int count = 1;
            for (char ch : params.toCharArray()) {
                if (ch == '<') {
                    depth++;
                } else if (ch == '>') {
                    depth--;
                } else if (ch == ',' && depth == 0) {
                    count++;
                }
            }
            return count;
        }
    }
}
