package dev.codexbridge.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.Architectures;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import dev.codexbridge.architecture.circle.CircleFace;
import dev.codexbridge.architecture.circle.internal.CircleMachinery;
import dev.codexbridge.rpc.WrongArrowFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The import rules of docs/architecture.md, checked on the compiled classes of every module on
 * this suite's class path (the library, migration, test kit, OpenTelemetry, A2A, MCP, LangChain4j,
 * CLI; tests excluded): the layers ({@link Layers#RULE}), no cycle between the packages under
 * {@code dev.codexbridge} (a package and its {@code internal} package are one slice), no circle of
 * classes through an {@code internal} package ({@link InternalCircles}), and no module reaching
 * into another module's {@code internal} package. Decisions 0052, 0108.
 */
@AnalyzeClasses(packages = "dev.codexbridge", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    // Rules are run from methods: Surefire 3.5.3 and later do not run @ArchTest fields.
    @ArchTest
    void layers(JavaClasses classes) {
        Layers.RULE.check(classes);
    }

    @ArchTest
    void noPackageCycles(JavaClasses classes) {
        NO_PACKAGE_CYCLES.check(classes);
    }

    @ArchTest
    void sessionRoomsImportOnlyDownward(JavaClasses classes) {
        SessionRooms.RULE.check(classes);
    }

    @ArchTest
    void noCycleBetweenTheSessionsRooms(JavaClasses classes) {
        SessionRooms.NO_CYCLES.check(classes);
    }

    @ArchTest
    void noCircleThroughAnInternalPackage(JavaClasses classes) {
        InternalCircles.RULE.check(classes);
    }

    @ArchTest
    void noModuleUsesAnotherModulesInternals(JavaClasses classes) {
        NO_OTHER_MODULES_INTERNALS.check(classes);
    }

    static final ArchRule NO_PACKAGE_CYCLES = slices().matching("dev.codexbridge.(*)..").namingSlices("$1")
            .should().beFreeOfCycles()
            .as("no cycle between the packages under dev.codexbridge (a package and its internal package are one slice)");

    static final ArchRule NO_OTHER_MODULES_INTERNALS = classes().that().resideInAPackage("dev.codexbridge..")
            .should(ModuleBoundary.KEEP_OUT_OF_OTHER_MODULES_INTERNALS)
            .as("no module uses another module's internal package (" + ModuleBoundary.SHARED_BOTTOM
                    + " of dev.codexbridge.internal excepted: what its package-info offers every layer)");

    /**
     * The rules are not empty words: the RPC and session packages' classes plus one that points
     * from the RPC layer up to the session ({@link WrongArrowFixture}, a test class, so the rules
     * above never see it) break both the layers and the cycle rule, and only at that arrow. Two
     * packages, not every module again: the classes above are imported once for the whole class.
     */
    @Test
    void aWrongArrowBreaksTheRules() {
        ImportOption mainClasses = new ImportOption.DoNotIncludeTests();
        JavaClasses withWrongArrow = new ClassFileImporter()
                .withImportOption(location -> mainClasses.includes(location) || location.contains("WrongArrowFixture"))
                .importPackages("dev.codexbridge.rpc", "dev.codexbridge.session");
        assertThat(withWrongArrow.get(WrongArrowFixture.class).getDirectDependenciesFromSelf())
                .anyMatch(d -> d.getTargetClass().getPackageName().equals("dev.codexbridge.session"));

        assertThat(Layers.RULE.evaluate(withWrongArrow).getFailureReport().getDetails()).isNotEmpty()
                .allMatch(line -> line.contains(WrongArrowFixture.class.getName()));
        assertThat(NO_PACKAGE_CYCLES.evaluate(withWrongArrow).getFailureReport().getDetails()).isNotEmpty()
                .allMatch(line -> line.contains("rpc") && line.contains("session"));
    }

    /** A face and its internal machinery that call each other (test fixtures) break the circle rule, and only there. */
    @Test
    void aCircleThroughAnInternalPackageBreaksTheRule() {
        JavaClasses circle = new ClassFileImporter().importClasses(CircleFace.class, CircleMachinery.class);
        assertThat(InternalCircles.RULE.evaluate(circle).getFailureReport().getDetails()).hasSize(2)
                .allMatch(line -> line.contains(CircleFace.class.getName()) && line.contains(CircleMachinery.class.getName()));
    }

    /** docs/architecture.md's picture names every package of the layers this test checks. */
    @Test
    void theArchitectureDocDrawsEveryLayer() throws IOException {
        String doc = Files.readString(Path.of("docs/architecture.md"));
        int layers = doc.indexOf("## Layers");
        String picture = doc.substring(doc.indexOf("```", layers), doc.indexOf("```", doc.indexOf("```", layers) + 3));
        for (Layers.Layer layer : Layers.all()) {
            for (String pkg : layer.packages()) {
                String name = pkg.equals("dev.codexbridge") ? "the root package"
                        : pkg.substring("dev.codexbridge.".length()).replace("..", "");
                // in the picture's layers column: after the tier, within its 28 characters
                assertThat(picture).as("layer %s", layer.name())
                        .containsPattern("(?m)^.{7}[^\\n]{0,28}\\b" + name + "\\b");
            }
        }
    }

    /**
     * The session's rooms (decision 0106): the API in {@code dev.codexbridge.session}, the machinery
     * in the rooms under {@code session.internal}, listed top to bottom. A room uses only the rooms
     * below it and {@code session.internal} itself, never a room above, and none uses the
     * session's face; every package under {@code session.internal} is a listed room.
     */
    static final class SessionRooms {
        static final String INTERNAL = "dev.codexbridge.session.internal";
        /** Top to bottom. */
        static final List<String> ROOMS = List.of("turn", "thread", "inbox", "custody", "stream", "failure");
        /** The session's face: what only the API package itself and the layers above it use. */
        static final List<String> FACE = List.of("dev.codexbridge.session.CodexSession", "dev.codexbridge.session.SessionSettings");

        static final ArchCondition<JavaClass> IMPORT_ONLY_DOWNWARD = new ArchCondition<>("import only the rooms below it") {
            @Override
            public void check(JavaClass origin, ConditionEvents events) {
                int from = rank(origin.getPackageName());
                if (from == Integer.MIN_VALUE) {
                    events.add(SimpleConditionEvent.violated(origin, origin.getName() + " is in no room of the session: "
                            + "name its package in ArchitectureTest.SessionRooms.ROOMS and docs/architecture.md"));
                    return;
                }
                for (Dependency d : origin.getDirectDependenciesFromSelf()) {
                    JavaClass target = d.getTargetClass().getBaseComponentType();
                    String top = target.getName().split("\\$", 2)[0];
                    boolean up = target.getPackageName().startsWith(INTERNAL) && rank(target.getPackageName()) < from;
                    if (up || FACE.contains(top)) {
                        events.add(SimpleConditionEvent.violated(d, d.getDescription() + " (a room above, or the session's face)"));
                    }
                }
            }
        };

        static final ArchRule RULE = classes().that().resideInAPackage(INTERNAL + "..").should(IMPORT_ONLY_DOWNWARD)
                .as("the session's rooms import only downward: " + String.join(" -> ", ROOMS) + " -> session.internal");

        static final ArchRule NO_CYCLES = slices().matching("dev.codexbridge.session.(**)").namingSlices("$1")
                .should().beFreeOfCycles().as("no cycle between the session's internal rooms");

        private SessionRooms() {
        }

        /** The room's place, top (0) to bottom; session.internal itself below every room; MIN_VALUE for an unlisted package. */
        static int rank(String pkg) {
            if (pkg.equals(INTERNAL)) {
                return ROOMS.size();
            }
            for (int i = 0; i < ROOMS.size(); i++) {
                String room = INTERNAL + "." + ROOMS.get(i);
                if (pkg.equals(room) || pkg.startsWith(room + ".")) {
                    return i;
                }
            }
            return Integer.MIN_VALUE;
        }
    }

    /**
     * No circle of classes runs through an {@code internal} package (decision 0108): a package's
     * machinery may use the values of the API it serves, and the API its machinery, but never so
     * that one class reaches itself again across the boundary, as {@code CodexClient} and
     * {@code ClientPlumbing} did. Classes are taken whole (a nested class counts with its top-level
     * class); a circle within one package is that package's business.
     */
    static final class InternalCircles {
        static final ArchCondition<JavaClass> NOT_ON_A_CIRCLE = new ArchCondition<>("not be on a circle of classes through an internal package") {
            private final Map<String, List<String>> circleOf = new HashMap<>();

            @Override
            public void init(Collection<JavaClass> all) {
                circleOf.clear();
                for (List<String> circle : circles(all)) {
                    if (circle.stream().anyMatch(InternalCircles::internal)
                            && circle.stream().map(InternalCircles::packageOf).distinct().count() > 1) {
                        circle.forEach(c -> circleOf.put(c, circle));
                    }
                }
            }

            @Override
            public void check(JavaClass origin, ConditionEvents events) {
                List<String> circle = circleOf.get(origin.getName());
                if (circle != null) {
                    events.add(SimpleConditionEvent.violated(origin, origin.getName() + " is on a circle of classes through an "
                            + "internal package: " + String.join(" <-> ", circle)));
                }
            }
        };

        static final ArchRule RULE = classes().that().resideInAPackage("dev.codexbridge..").and().areTopLevelClasses()
                .should(NOT_ON_A_CIRCLE).as("no circle of classes runs through an internal package");

        private InternalCircles() {
        }

        static String topLevel(JavaClass c) {
            return c.getName().split("\\$", 2)[0];
        }

        static String packageOf(String className) {
            return className.substring(0, className.lastIndexOf('.'));
        }

        static boolean internal(String className) {
            String pkg = packageOf(className);
            return pkg.endsWith(".internal") || pkg.contains(".internal.");
        }

        /** The strongly connected sets of two or more top-level classes (Tarjan), each sorted. */
        static List<List<String>> circles(Collection<JavaClass> all) {
            Map<String, Set<String>> uses = new TreeMap<>();
            for (JavaClass c : all) {
                Set<String> targets = uses.computeIfAbsent(topLevel(c), k -> new TreeSet<>());
                for (Dependency d : c.getDirectDependenciesFromSelf()) {
                    String target = topLevel(d.getTargetClass().getBaseComponentType());
                    if (target.startsWith("dev.codexbridge.") && !target.equals(topLevel(c))) {
                        targets.add(target);
                    }
                }
            }
            return new Tarjan(uses).circles;
        }

        private static final class Tarjan {
            final Map<String, Set<String>> uses;
            final Map<String, Integer> index = new HashMap<>();
            final Map<String, Integer> low = new HashMap<>();
            final Deque<String> stack = new ArrayDeque<>();
            final Set<String> onStack = new HashSet<>();
            final List<List<String>> circles = new ArrayList<>();

            Tarjan(Map<String, Set<String>> uses) {
                this.uses = uses;
                uses.keySet().forEach(v -> {
                    if (!index.containsKey(v)) {
                        visit(v);
                    }
                });
            }

            private void visit(String v) {
                index.put(v, index.size());
                low.put(v, index.get(v));
                stack.push(v);
                onStack.add(v);
                for (String w : uses.getOrDefault(v, Set.of())) {
                    if (!index.containsKey(w)) {
                        visit(w);
                        low.put(v, Math.min(low.get(v), low.get(w)));
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                }
                if (low.get(v).equals(index.get(v))) {
                    List<String> circle = new ArrayList<>();
                    String w;
                    do {
                        w = stack.pop();
                        onStack.remove(w);
                        circle.add(w);
                    } while (!w.equals(v));
                    if (circle.size() > 1) {
                        Collections.sort(circle);
                        circles.add(circle);
                    }
                }
            }
        }
    }

    /** Which module a class came from: the class-path entry (a module's classes folder or jar) that holds it. */
    static final class ModuleBoundary {
        /** dev.codexbridge.internal's types that every package of every module may use (its package-info says so). */
        static final List<String> SHARED_BOTTOM = List.of("SafeLogger", "TomlLayout", "UntrustedText");

        static final ArchCondition<JavaClass> KEEP_OUT_OF_OTHER_MODULES_INTERNALS =
                new ArchCondition<>("not use another module's internal package") {
                    @Override
                    public void check(JavaClass origin, ConditionEvents events) {
                        for (Dependency d : origin.getDirectDependenciesFromSelf()) {
                            JavaClass target = d.getTargetClass().getBaseComponentType();
                            if (isInternal(target) && !sameModule(origin, target)) {
                                events.add(SimpleConditionEvent.violated(d, d.getDescription() + " (" + module(origin)
                                        + " -> " + module(target) + ")"));
                            }
                        }
                    }
                };

        private ModuleBoundary() {
        }

        static boolean isInternal(JavaClass c) {
            String pkg = c.getPackageName();
            if (!pkg.startsWith("dev.codexbridge.") || !(pkg.endsWith(".internal") || pkg.contains(".internal."))) {
                return false;
            }
            String topLevel = c.getName().substring(pkg.length() + 1).split("\\$", 2)[0];
            return !(pkg.equals("dev.codexbridge.internal") && SHARED_BOTTOM.contains(topLevel));
        }

        static boolean sameModule(JavaClass a, JavaClass b) {
            String ma = module(a);
            return ma != null && ma.equals(module(b));
        }

        /** The class-path entry's address, or null for a class known only as a dependency's target. */
        static String module(JavaClass c) {
            return c.getSource().map(s -> {
                String uri = s.getUri().toString();
                int at = uri.lastIndexOf(c.getName().replace('.', '/') + ".class");
                return at < 0 ? uri : uri.substring(0, at);
            }).orElse(null);
        }
    }

    /**
     * The layers, top to bottom, tier by tier. A layer may be used only by the layers of the tiers
     * above it and by the siblings named for it. A class of a package in no layer fails the rule:
     * a new package takes its place here and in docs/architecture.md. A layer with no class on
     * this class path (the Spring starters', the Spring AI adapter's) is allowed to be empty.
     */
    static final class Layers {
        record Layer(String name, List<String> packages, List<String> siblingsAllowed) {
            static Layer of(String name, String... packages) {
                return new Layer(name, List.of(packages), List.of());
            }

            Layer usedBySiblings(String... siblings) {
                return new Layer(name, packages, List.of(siblings));
            }
        }

        static final List<List<Layer>> TIERS = List.of(
                List.of(Layer.of("Starters", "dev.codexbridge.spring.."), Layer.of("CLI", "dev.codexbridge.cli..")),
                List.of(Layer.of("A2A", "dev.codexbridge.a2a.."), Layer.of("MCP", "dev.codexbridge.mcp.."), Layer.of("OpenAI", "dev.codexbridge.openai.."),
                        Layer.of("Adapters", "dev.codexbridge.langchain4j..", "dev.codexbridge.springai.."),
                        Layer.of("Migration", "dev.codexbridge.config..", "dev.codexbridge.runtime.."),
                        Layer.of("TestKit", "dev.codexbridge.testkit.."),
                        Layer.of("OpenTelemetry", "dev.codexbridge.telemetry.."),
                        Layer.of("StoreOnPostgreSQL", "dev.codexbridge.store.postgresql..")),
                List.of(Layer.of("Gateway", "dev.codexbridge.gateway..", "dev.codexbridge.callers..")),
                List.of(Layer.of("Tenants", "dev.codexbridge.tenant.."), Layer.of("Pool", "dev.codexbridge.pool..")),
                List.of(Layer.of("Session", "dev.codexbridge.session..")),
                List.of(Layer.of("Lineage", "dev.codexbridge.lineage..")),
                List.of(Layer.of("Client", "dev.codexbridge.client..")),
                List.of(Layer.of("Transport", "dev.codexbridge.transport.."),
                        Layer.of("TelemetryHooks", "dev.codexbridge.observe.."),
                        Layer.of("Approvals", "dev.codexbridge.approval..").usedBySiblings("TelemetryHooks"),
                        Layer.of("Tool", "dev.codexbridge.tool..").usedBySiblings("Approvals"),
                        Layer.of("Transcript", "dev.codexbridge.transcript.."),
                        Layer.of("Store", "dev.codexbridge.store", "dev.codexbridge.store.spi..")),
                List.of(Layer.of("Process", "dev.codexbridge.process..")),
                List.of(Layer.of("Rpc", "dev.codexbridge.rpc..")),
                List.of(Layer.of("Protocol", "dev.codexbridge.protocol.."), Layer.of("Json", "dev.codexbridge.json..")
                        .usedBySiblings("Protocol")),
                List.of(Layer.of("Base", "dev.codexbridge", "dev.codexbridge.internal..")));

        static final ArchRule RULE = build();

        private Layers() {
        }

        private static ArchRule build() {
            LayeredArchitecture rule = Architectures.layeredArchitecture().consideringOnlyDependenciesInLayers()
                    .ensureAllClassesAreContainedInArchitecture();
            for (Layer layer : all()) {
                rule = rule.layer(layer.name()).definedBy(layer.packages().toArray(String[]::new));
            }
            List<String> above = new ArrayList<>();
            for (List<Layer> tier : TIERS) {
                for (Layer layer : tier) {
                    String[] users = Stream.concat(above.stream(), layer.siblingsAllowed().stream()).toArray(String[]::new);
                    rule = users.length == 0 ? rule.whereLayer(layer.name()).mayNotBeAccessedByAnyLayer()
                            : rule.whereLayer(layer.name()).mayOnlyBeAccessedByLayers(users);
                }
                tier.forEach(layer -> above.add(layer.name()));
            }
            return rule.withOptionalLayers(true).as("the layers of docs/architecture.md");
        }

        static List<Layer> all() {
            return TIERS.stream().flatMap(List::stream).toList();
        }
    }
}
