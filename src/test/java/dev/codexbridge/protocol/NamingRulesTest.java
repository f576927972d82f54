package dev.codexbridge.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.codegen.ProtocolGenerator;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The names of the generated protocol (decision 0008): no hand-written type is named like a
 * generated one (code would have to write {@code TurnStatus ours}), no generated type is named like
 * a {@code java.lang} type (it would shadow it, and make the name ambiguous under a wildcard import),
 * and no generated constant has a one-letter word ({@code ACCOUNT_GATEWAY_O_AUTH_CANCEL}).
 */
class NamingRulesTest {
    private static final Path PROTOCOL_DIR = Paths.get("src/main/java/dev/codexbridge/protocol");
    private static final List<Path> HAND_WRITTEN_ROOTS = List.of(Paths.get("src/main/java"), Paths.get("src/migration/java"),
            Paths.get("src/cli/java"), Paths.get("src/testkit/java"));
    /** A type declaration; the source has its comments and literals blanked first. */
    private static final Pattern TYPE_DECLARATION =
            Pattern.compile("(?<![\\w.])(?:class|interface|enum|record|@interface)\\s+([A-Za-z_$][\\w$]*)");
    private static final Pattern ONE_LETTER_WORD = Pattern.compile("(?:^|_)[A-Z](?:_|$)");

    @Test
    void noHandWrittenTypeSharesASimpleNameWithAGeneratedOne() throws IOException {
        // the generated protocol's top-level types; their nested ones (Builder, variants) are always written qualified
        Set<String> generated = new TreeSet<>();
        Set<Path> generatedFiles = new TreeSet<>();
        for (String file : ProtocolGenerator.existingGenerated(PROTOCOL_DIR).keySet()) {
            generated.add(file.substring(0, file.length() - ".java".length()));
            generatedFiles.add(PROTOCOL_DIR.resolve(file));
        }

        List<String> clashes = new ArrayList<>();
        handWrittenTypes(generatedFiles).forEach((file, names) -> names.stream().filter(generated::contains)
                .forEach(name -> clashes.add(file + ": " + name)));

        assertThat(generated).hasSizeGreaterThan(800);
        assertThat(clashes).as("hand-written types named like a generated protocol type; rename the hand-written one")
                .isEmpty();
    }

    @Test
    void noGeneratedTypeIsNamedLikeAJavaLangType() throws IOException {
        Set<String> javaLang = javaLangTypes();
        List<String> clashes = new ArrayList<>();
        for (Class<?> type : generatedTypes()) {
            if (javaLang.contains(type.getSimpleName())) {
                clashes.add(type.getName());
            }
        }

        assertThat(javaLang).contains("Thread", "String", "Record");
        assertThat(clashes).as("generated types named like a java.lang type; the generator's Names.JAVA_LANG "
                + "must list the name").isEmpty();
    }

    @Test
    void noGeneratedConstantHasAOneLetterWord() {
        List<String> odd = new ArrayList<>();
        int constants = 0;
        for (Class<?> type : generatedTypes()) {
            for (Field f : type.getDeclaredFields()) {
                boolean constant = f.isEnumConstant() || (Modifier.isPublic(f.getModifiers())
                        && Modifier.isStatic(f.getModifiers()) && Modifier.isFinal(f.getModifiers()));
                if (!constant || f.isSynthetic()) {
                    continue;
                }
                constants++;
                if (ONE_LETTER_WORD.matcher(f.getName()).find()) {
                    odd.add(type.getName() + "." + f.getName());
                }
            }
        }

        assertThat(constants).isGreaterThan(600);
        assertThat(odd).as("generated constants with a one-letter word; fix the splitting rule in the generator's "
                + "Names.words").isEmpty();
    }

    /** Every type of the generated files, nested ones included. */
    private static List<Class<?>> generatedTypes() {
        List<Class<?>> out = new ArrayList<>();
        for (String file : ProtocolGenerator.existingGenerated(PROTOCOL_DIR).keySet()) {
            String name = "dev.codexbridge.protocol." + file.substring(0, file.length() - ".java".length());
            try {
                addWithNested(Class.forName(name, false, NamingRulesTest.class.getClassLoader()), out);
            } catch (ClassNotFoundException e) {
                throw new AssertionError("generated file " + file + " has no class " + name, e);
            }
        }
        return out;
    }

    private static void addWithNested(Class<?> type, List<Class<?>> out) {
        out.add(type);
        for (Class<?> nested : type.getDeclaredClasses()) {
            addWithNested(nested, out);
        }
    }

    /** File → the names of the types it declares (top-level, nested and local), for every hand-written source. */
    private static Map<Path, SortedSet<String>> handWrittenTypes(Set<Path> generatedFiles) throws IOException {
        Map<Path, SortedSet<String>> out = new TreeMap<>();
        for (Path root : HAND_WRITTEN_ROOTS) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                    if (generatedFiles.contains(file)) {
                        continue;
                    }
                    Matcher m = TYPE_DECLARATION.matcher(codeOnly(Files.readString(file)));
                    SortedSet<String> names = new TreeSet<>();
                    while (m.find()) {
                        names.add(m.group(1));
                    }
                    out.put(file, names);
                }
            }
        }
        assertThat(out).as("hand-written sources").hasSizeGreaterThan(100);
        return out;
    }

    /** {@code source} with comments, string and character literals (text blocks too) blanked out. */
    static String codeOnly(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            int end;
            if (source.startsWith("//", i)) {
                end = source.indexOf('\n', i);
                end = end < 0 ? source.length() : end;
            } else if (source.startsWith("/*", i)) {
                end = source.indexOf("*/", i + 2);
                end = end < 0 ? source.length() : end + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                end = closing(source, i + 3, "\"\"\"");
            } else if (c == '"' || c == '\'') {
                end = closing(source, i + 1, String.valueOf(c));
            } else {
                out.append(c);
                i++;
                continue;
            }
            out.append(' ');
            i = end;
        }
        return out.toString();
    }

    /** The index after the first unescaped {@code quote} at or after {@code from}. */
    private static int closing(String source, int from, String quote) {
        for (int i = from; i < source.length(); i++) {
            if (source.charAt(i) == '\\') {
                i++;
            } else if (source.startsWith(quote, i)) {
                return i + quote.length();
            }
        }
        return source.length();
    }

    /** The public top-level types of the running JDK's {@code java.lang}. */
    private static Set<String> javaLangTypes() throws IOException {
        Set<String> out = new TreeSet<>();
        Path lang = FileSystems.getFileSystem(URI.create("jrt:/")).getPath("/modules/java.base/java/lang");
        try (Stream<Path> files = Files.list(lang)) {
            for (Path f : files.toList()) {
                String file = f.getFileName().toString();
                if (!file.endsWith(".class") || file.contains("$")) {
                    continue;
                }
                String name = file.substring(0, file.length() - ".class".length());
                try {
                    if (Modifier.isPublic(Class.forName("java.lang." + name, false, null).getModifiers())) {
                        out.add(name);
                    }
                } catch (ClassNotFoundException | LinkageError e) {
                    // not loadable as a type of its own: not a name a source file can see
                }
            }
        }
        return out;
    }
}
