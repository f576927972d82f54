package dev.codexbridge.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The published Java API of each module, pinned in a checked-in file (`modules/NAME/api/ARTIFACT.api`)
 * that this test compares with what the build compiled: a change to a public or protected type or
 * member is a deliberate diff of that file, reviewed with the change. {@code -Dcodexbridge.updateApi=true}
 * writes the files from the classes (then review {@code git diff modules/} and record breaking changes in
 * CHANGELOG.md). Types in {@code internal} packages, synthetic and bridge members are not API.
 */
class PublicApiTest {
    /** Each published module on this class path: its folder, artifact and one class that lives in it. */
    static List<String[]> modules() {
        return List.of(
                new String[] {"library", "codex-bridge", "dev.codexbridge.client.CodexClient"},
                new String[] {"migration", "codex-bridge-migration", "dev.codexbridge.config.ConfigMigrator"},
                new String[] {"testkit", "codex-bridge-testkit", "dev.codexbridge.testkit.FixtureRecorder"},
                new String[] {"a2a", "codex-bridge-a2a", "dev.codexbridge.a2a.A2aAgent"},
                new String[] {"mcp", "codex-bridge-mcp", "dev.codexbridge.mcp.CodexMcpServer"},
                new String[] {"openai", "codex-bridge-openai", "dev.codexbridge.openai.OpenAiServer"},
                new String[] {"langchain4j", "codex-bridge-langchain4j", "dev.codexbridge.langchain4j.CodexChatModel"},
                new String[] {"opentelemetry", "codex-bridge-opentelemetry", "dev.codexbridge.telemetry.CodexTelemetry"},
                new String[] {"store-postgresql", "codex-bridge-store-postgresql",
                        "dev.codexbridge.store.postgresql.PostgresConversationStore"});
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("modules")
    void thePublicApiIsTheCheckedInOne(String folder, String artifact, String anchor) throws Exception {
        List<String> actual = render(classesOf(Class.forName(anchor)));
        Path file = Path.of("modules", folder, "api", artifact + ".api");
        if (Boolean.getBoolean("codexbridge.updateApi")) {
            Files.createDirectories(file.getParent());
            Files.write(file, actual);
        }
        assertThat(file).as("%s: write it with -Dcodexbridge.updateApi=true", file).exists();
        List<String> expected = Files.readAllLines(file);
        assertThat(actual).as("the public API of %s differs from %s; if the change is meant, run this test with "
                + "-Dcodexbridge.updateApi=true, review the diff and note a breaking change in CHANGELOG.md", artifact, file)
                .containsExactlyElementsOf(expected);
    }

    /** Every class in the jar or folder the anchor class was loaded from, by binary name. */
    private static List<String> classesOf(Class<?> anchor) throws IOException, URISyntaxException {
        Path where = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(where)) {
            try (Stream<Path> all = Files.walk(where)) {
                all.filter(p -> p.toString().endsWith(".class"))
                        .forEach(p -> names.add(where.relativize(p).toString()));
            }
        } else {
            try (JarFile jar = new JarFile(where.toFile())) {
                jar.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class")).forEach(names::add);
            }
        }
        return names.stream().filter(n -> !n.endsWith("module-info.class") && !n.endsWith("package-info.class"))
                .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.').replace('\\', '.')).sorted().toList();
    }

    static List<String> render(List<String> classNames) throws ClassNotFoundException {
        List<String> out = new ArrayList<>();
        for (String name : classNames) {
            if (name.contains(".internal.")) {
                continue;
            }
            Class<?> c = Class.forName(name, false, PublicApiTest.class.getClassLoader());
            if (!exported(c)) {
                continue;
            }
            out.add(header(c));
            TreeSet<String> members = new TreeSet<>();
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (visible(k) && !k.isSynthetic()) {
                    members.add("  " + k.toGenericString().replace(c.getName(), c.getSimpleName()));
                }
            }
            for (Method m : c.getDeclaredMethods()) {
                if (visible(m) && !m.isSynthetic() && !m.isBridge()) {
                    members.add("  " + m.toGenericString());
                }
            }
            for (Field f : c.getDeclaredFields()) {
                if (visible(f) && !f.isSynthetic()) {
                    members.add("  " + f.toGenericString());
                }
            }
            out.addAll(members);
        }
        return out;
    }

    /** Public all the way out (or a protected member type of a public class a host may extend): what a host can name. */
    private static boolean exported(Class<?> c) {
        if (c.isAnonymousClass() || c.isLocalClass() || c.isSynthetic()) {
            return false;
        }
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            int mod = k.getModifiers();
            boolean reachable = Modifier.isPublic(mod) || Modifier.isProtected(mod) && k.getEnclosingClass() != null
                    && !Modifier.isFinal(k.getEnclosingClass().getModifiers());
            if (!reachable) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(Member m) {
        int mod = m.getModifiers();
        // a protected member of a final class cannot be reached from outside its package
        return Modifier.isPublic(mod) || Modifier.isProtected(mod) && !Modifier.isFinal(m.getDeclaringClass().getModifiers());
    }

    private static String header(Class<?> c) {
        StringBuilder b = new StringBuilder();
        int mod = c.getModifiers() & (Modifier.PUBLIC | Modifier.PROTECTED | Modifier.ABSTRACT | Modifier.STATIC | Modifier.FINAL);
        if (c.isInterface()) {
            mod &= ~Modifier.ABSTRACT;
        }
        b.append(Modifier.toString(mod)).append(' ');
        b.append(c.isAnnotation() ? "@interface " : c.isInterface() ? "interface " : c.isEnum() ? "enum " : c.isRecord() ? "record " : "class ");
        b.append(c.getTypeName());
        if (c.getTypeParameters().length > 0) {
            b.append(Arrays.stream(c.getTypeParameters()).map(Object::toString).toList().toString().replace('[', '<').replace(']', '>'));
        }
        if (c.getGenericSuperclass() != null && c.getSuperclass() != Object.class && !c.isEnum() && !c.isRecord()) {
            b.append(" extends ").append(c.getGenericSuperclass().getTypeName());
        }
        if (c.getGenericInterfaces().length > 0) {
            b.append(c.isInterface() ? " extends " : " implements ")
                    .append(String.join(", ", Arrays.stream(c.getGenericInterfaces()).map(t -> t.getTypeName()).toList()));
        }
        if (c.isSealed()) {
            b.append(" permits ").append(String.join(", ", Arrays.stream(c.getPermittedSubclasses()).map(Class::getTypeName).sorted().toList()));
        }
        return b.toString();
    }
}
