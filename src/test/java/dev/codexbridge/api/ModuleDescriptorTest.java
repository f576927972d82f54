package dev.codexbridge.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSObject;
import dev.codexbridge.client.CodexClient;
import dev.harrel.jsonschema.ValidatorFactory;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/**
 * The library's module descriptor keeps its machinery to itself (decision 0108): it exports the
 * packages its checked API file lists and the shared bottom {@code dev.codexbridge.internal}, and
 * nothing else; a host's module that imports a type of an unexported package does not compile,
 * and compiles once it opts in with {@code --add-exports}.
 */
class ModuleDescriptorTest {
    private static final String MODULE = "dev.codexbridge";
    private static final String MACHINERY = "dev.codexbridge.session.internal.turn";

    @Test
    void theDescriptorExportsTheApiPackagesAndTheSharedBottomAlone() throws IOException {
        ModuleDescriptor descriptor = ModuleFinder.of(location(CodexClient.class)).find(MODULE).orElseThrow().descriptor();
        Set<String> exported = descriptor.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> api = new TreeSet<>(apiPackages());
        api.add("dev.codexbridge.internal");
        assertThat(exported).as("the packages the module exports").isEqualTo(api);
        assertThat(descriptor.packages()).as("the module's packages").contains(MACHINERY, "dev.codexbridge.client.internal");
    }

    @Test
    void aHostCompilesAgainstTheMachineryOnlyWhenItOptsIn(@TempDir Path dir) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src/host"));
        Files.writeString(dir.resolve("src/module-info.java"), "module host { requires " + MODULE + "; }\n");
        Files.writeString(src.resolve("Host.java"), """
                package host;

                import dev.codexbridge.session.CodexSession;
                import %s.SessionTurns;

                public class Host {
                    public static String names() {
                        return CodexSession.class.getName() + SessionTurns.class.getName();
                    }
                }
                """.formatted(MACHINERY));

        String refused = compile(dir, List.of());
        assertThat(refused).as("a host that imports the machinery").contains("package " + MACHINERY + " is not visible")
                .contains("does not export it").doesNotContain("dev.codexbridge.session.CodexSession");

        String optedIn = compile(dir, List.of("--add-exports", MODULE + "/" + MACHINERY + "=host"));
        assertThat(optedIn).as("the same host with --add-exports").isEmpty();
    }

    /** What javac says compiling the host in {@code dir} on a module path of the library and what it requires; empty when it compiled. */
    private static String compile(Path dir, List<String> extra) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("--release", "17", "-proc:none", "-d", dir.resolve("out").toString(),
                "--module-path", modulePath()));
        args.addAll(extra);
        try (Stream<Path> files = Files.walk(dir.resolve("src"))) {
            files.filter(p -> p.toString().endsWith(".java")).map(Path::toString).forEach(args::add);
        }
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        int exit = javac.run(null, said, said, args.toArray(String[]::new));
        String out = said.toString(StandardCharsets.UTF_8).strip();
        assertThat(exit == 0).as("javac's exit matches what it said: %s", out).isEqualTo(out.isEmpty());
        return out;
    }

    /** The library and the modules it requires, where this suite loaded them from. */
    private static String modulePath() {
        return Stream.of(CodexClient.class, ObjectMapper.class, JsonParser.class, JsonProperty.class, JWSObject.class,
                        ValidatorFactory.class, Nullable.class, Logger.class)
                .map(ModuleDescriptorTest::location).map(Path::toString).distinct()
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static Path location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The packages of the types modules/library/api/codex-bridge.api lists. */
    private static Set<String> apiPackages() throws IOException {
        Pattern type = Pattern.compile("^public .*?(?:class|interface|record|enum) ([\\w.]+)\\.[A-Z][\\w$]*(?: |$)");
        Set<String> packages = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("modules/library/api/codex-bridge.api"))) {
            Matcher m = type.matcher(line);
            if (m.find()) {
                packages.add(m.group(1));
            }
        }
        return packages;
    }
}
