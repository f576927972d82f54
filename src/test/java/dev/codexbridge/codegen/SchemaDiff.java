package dev.codexbridge.codegen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What one codex release's app-server schema adds, changes and removes against another's: the
 * methods of the four unions ({@code ClientRequest}, {@code ServerNotification},
 * {@code ServerRequest}, {@code ClientNotification}), which client requests are on the stable
 * surface, the definitions, and in each changed definition its fields, required fields, enum
 * values and union variants. Both sides are read from the folders {@code codex app-server
 * generate-json-schema} wrote (the build's {@code target/codex-schema}: the stable surface at the
 * top, {@code experimental/} with {@code --experimental}), every definition of the bundle
 * {@code codex_app_server_protocol.schemas.json} (its top level and {@code v2}) as
 * {@link ProtocolGenerator} reads them; the counts of the {@code v2} bundle alone are given too.
 *
 * <p>Usage: {@code SchemaDiff OLD_DIR OLD_VERSION NEW_DIR NEW_VERSION OUT_FILE}: writes the report as
 * Markdown to {@code OUT_FILE} and its one-line form to {@code schema-row.txt} beside it, and prints
 * its summary (the list before the details). Run by {@code bin/codex-release} (docs/compatibility.md).
 */
public final class SchemaDiff {
    static final String BUNDLE = "codex_app_server_protocol.schemas.json";
    static final String V2_BUNDLE = "codex_app_server_protocol.v2.schemas.json";
    /** More methods added and removed than this are counted in the row, not named. */
    static final int ROW_NAMES = 6;
    static final List<String> UNIONS = List.of("ClientRequest", "ServerNotification", "ServerRequest", "ClientNotification");

    /** One side: its definitions by schema name (top level and {@code v2} in one namespace), and the stable surface's. */
    record Side(String version, Map<String, JsonNode> definitions, Map<String, JsonNode> stable, Map<String, JsonNode> v2Bundle) {
        static Side read(Path dir, String version) {
            return new Side(version, flatten(json(dir.resolve("experimental").resolve(BUNDLE))), flatten(json(dir.resolve(BUNDLE))),
                    fields(json(dir.resolve("experimental").resolve(V2_BUNDLE)).path("definitions")));
        }

        /** The methods of a union, in the schema's order, each with its params definition (null without params). */
        Map<String, String> methods(String union, boolean stableSurface) {
            Map<String, String> out = new LinkedHashMap<>();
            JsonNode node = (stableSurface ? stable : definitions).get(union);
            if (node != null) {
                for (JsonNode branch : node.path("oneOf")) {
                    JsonNode params = branch.path("properties").path("params");
                    out.put(branch.path("properties").path("method").path("enum").path(0).asText(),
                            params.has("$ref") ? refName(params) : null);
                }
            }
            return out;
        }
    }

    /** A changed definition and what changed in it, one line each. */
    record Changed(String name, List<String> changes) {
    }

    /** The whole comparison. */
    record Report(Side from, Side to, Map<String, Delta> unions, Delta stableClientRequests, Delta definitions,
                  List<Changed> changed, Delta v2Definitions, int v2Changed, Map<String, List<String>> affected,
                  List<String> needsCode) {
    }

    /** Before and after of a set of names: added and removed in the newer one's order. */
    record Delta(int before, int after, List<String> added, List<String> removed) {
        static Delta of(Set<String> before, Set<String> after) {
            return new Delta(before.size(), after.size(), after.stream().filter(n -> !before.contains(n)).toList(),
                    before.stream().filter(n -> !after.contains(n)).toList());
        }

        boolean same() {
            return added.isEmpty() && removed.isEmpty();
        }
    }

    private SchemaDiff() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            throw new IllegalArgumentException("usage: SchemaDiff OLD_DIR OLD_VERSION NEW_DIR NEW_VERSION OUT_FILE");
        }
        Report r = compare(Side.read(Paths.get(args[0]), args[1]), Side.read(Paths.get(args[2]), args[3]));
        Path out = Paths.get(args[4]);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, markdown(r));
        Files.writeString(out.resolveSibling("schema-row.txt"), row(r) + "\n");
        System.out.print(summary(r));
        System.out.println("(the details of each changed definition: " + out + ")");
    }

    static Report compare(Side from, Side to) {
        Map<String, Delta> unions = new LinkedHashMap<>();
        for (String union : UNIONS) {
            unions.put(union, Delta.of(from.methods(union, false).keySet(), to.methods(union, false).keySet()));
        }
        Delta stable = Delta.of(from.methods("ClientRequest", true).keySet(), to.methods("ClientRequest", true).keySet());
        Delta definitions = Delta.of(new TreeSet<>(from.definitions().keySet()), new TreeSet<>(to.definitions().keySet()));
        List<Changed> changed = new ArrayList<>();
        for (String name : new TreeSet<>(from.definitions().keySet())) {
            JsonNode a = from.definitions().get(name);
            JsonNode b = to.definitions().get(name);
            if (b != null && !a.equals(b)) {
                List<String> lines = new ArrayList<>();
                walk("", a, b, lines);
                changed.add(new Changed(name, lines.isEmpty() ? List.of("descriptions only") : lines));
            }
        }
        Delta v2 = Delta.of(new TreeSet<>(from.v2Bundle().keySet()), new TreeSet<>(to.v2Bundle().keySet()));
        int v2Changed = (int) from.v2Bundle().entrySet().stream()
                .filter(e -> to.v2Bundle().containsKey(e.getKey()) && !to.v2Bundle().get(e.getKey()).equals(e.getValue())).count();
        Set<String> changedNames = changed.stream().map(Changed::name).collect(Collectors.toSet());
        Map<String, List<String>> affected = new LinkedHashMap<>();
        for (String union : UNIONS) {
            Map<String, String> before = from.methods(union, false);
            List<String> hit = new ArrayList<>();
            to.methods(union, false).forEach((method, params) -> {
                if (!before.containsKey(method)) {
                    return;
                }
                Set<String> reached = new TreeSet<>();
                for (String root : new String[] {params, response(union, method, params, to.definitions())}) {
                    reached.addAll(closure(root, to.definitions()));
                }
                reached.retainAll(changedNames);
                reached.removeAll(UNIONS);
                if (!reached.isEmpty()) {
                    hit.add("`" + method + "` (" + String.join(", ", reached) + ")");
                }
            });
            affected.put(union, hit);
        }
        return new Report(from, to, unions, stable, definitions, changed, v2, v2Changed, affected, needsCode(unions, definitions, to));
    }

    /**
     * What the generator and the hand-written sources will need when the pin moves, as far as the
     * schema tells: a new client request whose response type the generator cannot name, an entry
     * of {@code MethodTables.RESPONSE_EXCEPTIONS} for a method that is gone, and every hand-written
     * source (the sources under {@code src/} but the generated {@code protocol} package) that
     * names a removed method or definition.
     */
    static List<String> needsCode(Map<String, Delta> unions, Delta definitions, Side to) {
        List<String> out = new ArrayList<>();
        Map<String, String> requests = to.methods("ClientRequest", false);
        for (String added : unions.get("ClientRequest").added()) {
            if (response("ClientRequest", added, requests.get(added), to.definitions()) == null) {
                out.add("`" + added + "` (params " + requests.get(added) + ") has no `XxxResponse` by the generator's convention: "
                        + "an entry in `MethodTables.RESPONSE_EXCEPTIONS`");
            }
        }
        for (String removed : unions.get("ClientRequest").removed()) {
            if (MethodTables.RESPONSE_EXCEPTIONS.containsKey(removed)) {
                out.add("`MethodTables.RESPONSE_EXCEPTIONS` names `" + removed + "`, which is gone");
            }
        }
        List<String> gone = new ArrayList<>();
        unions.forEach((union, d) -> d.removed().forEach(m -> {
            gone.add("\"" + m + "\"");
            gone.add(union + "s." + Names.constant(m));     // the generated method table's constant
            if (union.equals("ClientRequest")) {
                gone.add("." + Names.member(m) + "(");       // the typed CodexApi method
            }
        }));
        definitions.removed().forEach(d -> gone.add(Names.type(d)));
        if (!gone.isEmpty()) {
            for (Map.Entry<Path, List<String>> hit : handWrittenMentions(Paths.get("src"), gone).entrySet()) {
                out.add("`" + hit.getKey() + "` names " + String.join(", ", hit.getValue()));
            }
        }
        if (!unions.values().stream().allMatch(d -> d.added().isEmpty())) {
            out.add("docs/protocol.md and `ProtocolDoc` list every method with its API (`ProtocolDocTest`): a row for each added one");
        }
        return out;
    }

    /**
     * The hand-written Java sources under {@code src} (generated files left out) naming any of
     * {@code words}: a word of letters as a whole word, anything else (a quoted method, a
     * {@code Table.CONSTANT}, a {@code .method(}) as it is.
     */
    static SortedMap<Path, List<String>> handWrittenMentions(Path src, List<String> words) {
        SortedMap<Path, List<String>> out = new TreeMap<>();
        if (!Files.isDirectory(src)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String text = Files.readString(f);
                if (text.startsWith("// Generated by ")) {
                    continue;
                }
                List<String> found = words.stream().filter(w -> w.matches("\\w+") ? Pattern.compile("\\b" + w + "\\b")
                        .matcher(text).find() : text.contains(w)).map(w -> "`" + w.replace("\"", "") + "`").toList();
                if (!found.isEmpty()) {
                    out.put(f, found);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** A request's response definition as the generator names it (client requests) or by the same convention; null when none. */
    static String response(String union, String method, String params, Map<String, JsonNode> defs) {
        if (!union.endsWith("Request")) {
            return null;
        }
        String name = union.equals("ClientRequest") ? MethodTables.RESPONSE_EXCEPTIONS.get(method) : null;
        if (name == null && params != null && params.endsWith("Params")) {
            name = params.substring(0, params.length() - "Params".length()) + "Response";
        }
        return name != null && defs.containsKey(name) ? name : null;
    }

    /** The definitions {@code root} reaches through {@code $ref}s, itself included; empty for null. */
    static Set<String> closure(String root, Map<String, JsonNode> defs) {
        Set<String> seen = new TreeSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>();
        if (root != null) {
            todo.add(root);
        }
        while (!todo.isEmpty()) {
            String name = todo.poll();
            JsonNode def = defs.get(name);
            if (def == null || !seen.add(name)) {
                continue;
            }
            refs(def, todo);
        }
        return seen;
    }

    private static void refs(JsonNode node, Collection<String> out) {
        if (node.isObject()) {
            if (node.has("$ref")) {
                out.add(refName(node));
            }
            node.forEach(child -> refs(child, out));
        } else if (node.isArray()) {
            node.forEach(child -> refs(child, out));
        }
    }

    /** The list that opens the report; {@code bin/codex-release} prints it. */
    static String summary(Report r) {
        StringBuilder sb = new StringBuilder();
        r.unions().forEach((union, d) -> sb.append("- **").append(union).append("**: ").append(d.before()).append(" → ")
                .append(d.after()).append(" methods; added: ").append(names(d.added())).append("; removed: ")
                .append(names(d.removed())).append('\n'));
        Delta s = r.stableClientRequests();
        sb.append("- **Stable surface** (without `--experimental`): client requests ").append(s.before()).append(" → ").append(s.after())
                .append("; newly stable or new: ").append(names(s.added())).append("; no longer on it: ").append(names(s.removed())).append('\n');
        Delta d = r.definitions();
        sb.append("- **Definitions** (top level and `v2`): ").append(d.before()).append(" → ").append(d.after()).append("; added: ")
                .append(names(d.added())).append("; removed: ").append(names(d.removed())).append('\n');
        sb.append("- **Changed definitions** (").append(r.changed().size()).append("): ")
                .append(names(r.changed().stream().map(Changed::name).toList())).append('\n');
        Delta v2 = r.v2Definitions();
        sb.append("- **In the `v2` bundle alone** (`").append(V2_BUNDLE).append("`): ").append(v2.before()).append(" → ")
                .append(v2.after()).append(" definitions, ").append(v2.added().size()).append(" added, ").append(v2.removed().size())
                .append(" removed, ").append(r.v2Changed()).append(" changed\n");
        r.affected().forEach((union, methods) -> {
            if (!methods.isEmpty()) {
                sb.append("- **").append(union).append(" methods whose params or result reach a changed definition** (")
                        .append(methods.size()).append("): ").append(String.join(", ", methods)).append('\n');
            }
        });
        List<String> enums = new ArrayList<>();
        List<String> variants = new ArrayList<>();
        for (Changed c : r.changed()) {
            if (UNIONS.contains(c.name())) {
                continue;   // their variants are the methods above
            }
            c.changes().stream().filter(l -> l.startsWith("enum value")).forEach(l -> enums.add("`" + c.name() + "` " + l));
            c.changes().stream().filter(l -> l.startsWith("variant") || l.contains("now a union") || l.contains("no longer a union"))
                    .forEach(l -> variants.add("`" + c.name() + "` " + l));
        }
        sb.append("- **Enum values**: ").append(enums.isEmpty() ? "none changed" : String.join("; ", enums)).append('\n');
        sb.append("- **Union variants**: ").append(variants.isEmpty() ? "none changed" : String.join("; ", variants)).append('\n');
        sb.append("- **Code the pin move needs, as far as the schema tells**: ").append(r.needsCode().isEmpty() ? "none" : "").append('\n');
        r.needsCode().forEach(l -> sb.append("  - ").append(l).append('\n'));
        return sb.toString();
    }

    /** One line for the releases table of docs/compatibility.md. */
    static String row(Report r) {
        Map<String, Delta> u = r.unions();
        return String.join(", ", counted(u.get("ClientRequest"), "client request"), counted(u.get("ServerNotification"), "notification"),
                counted(u.get("ServerRequest"), "server request"), counted(u.get("ClientNotification"), "client notification"),
                "definitions +" + r.definitions().added().size() + " −" + r.definitions().removed().size() + ", " + r.changed().size() + " changed");
    }

    private static String counted(Delta d, String what) {
        if (d.same()) {
            return what + "s " + d.before();
        }
        StringBuilder sb = new StringBuilder(what + "s " + d.before() + " → " + d.after() + " (");
        if (d.added().size() + d.removed().size() > ROW_NAMES) {
            return sb.append('+').append(d.added().size()).append(" −").append(d.removed().size()).append(')').toString();
        }
        List<String> parts = new ArrayList<>();
        d.added().forEach(m -> parts.add("+`" + m + "`"));
        d.removed().forEach(m -> parts.add("−`" + m + "`"));
        return sb.append(String.join(" ", parts)).append(')').toString();
    }

    static String markdown(Report r) {
        StringBuilder sb = new StringBuilder();
        sb.append("# codex ").append(r.to().version()).append(" against ").append(r.from().version())
                .append(": what the app-server schema changes\n\n");
        sb.append("From `codex app-server generate-json-schema --experimental --out DIR` of each release (every definition of `")
                .append(BUNDLE).append("`, its top level and `v2`, as the protocol generator reads them; the stable surface from the run "
                        + "without `--experimental`). Written by `bin/codex-release ").append(r.to().version()).append("` (SchemaDiff).\n\n");
        sb.append(summary(r)).append('\n');
        sb.append("Compatibility row: ").append(row(r)).append("\n\n");
        sb.append("## Changed definitions\n");
        for (Changed c : r.changed()) {
            sb.append("\n### `").append(c.name()).append("`\n\n");
            c.changes().forEach(l -> sb.append("- ").append(l).append('\n'));
        }
        sb.append("\n## Added definitions\n\n");
        for (String name : r.definitions().added()) {
            JsonNode def = r.to().definitions().get(name);
            sb.append("- `").append(name).append("`: ").append(shape(def)).append('\n');
        }
        return sb.toString();
    }

    /**
     * What differs between two schemas at {@code path}, one line each: fields added and removed,
     * required ones, enum values, union variants, types; descriptions are left out.
     */
    static void walk(String path, JsonNode a, JsonNode b, List<String> out) {
        if (a.equals(b)) {
            return;
        }
        if (!a.isObject() || !b.isObject()) {
            out.add(at(path) + "changed from " + clip(a) + " to " + clip(b));
            return;
        }
        Set<String> keys = new LinkedHashSet<>();
        a.fieldNames().forEachRemaining(keys::add);
        b.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            JsonNode x = a.get(key);
            JsonNode y = b.get(key);
            if (x != null && x.equals(y) || key.equals("description") || key.equals("title") && x != null && y != null) {
                continue;
            }
            switch (key) {
                case "properties" -> fields(path, x, y, out);
                case "required" -> {
                    Delta d = Delta.of(texts(x), texts(y));
                    d.added().forEach(f -> out.add(at(path) + "`" + f + "` now required"));
                    d.removed().forEach(f -> out.add(at(path) + "`" + f + "` no longer required"));
                }
                case "enum" -> {
                    Delta d = Delta.of(texts(x), texts(y));
                    d.added().forEach(v -> out.add("enum value added: `" + v + "`" + in(path)));
                    d.removed().forEach(v -> out.add("enum value removed: `" + v + "`" + in(path)));
                }
                case "oneOf", "anyOf", "allOf" -> variants(path, key, x, y, out);
                case "$ref" -> out.add(at(path) + "type " + (x == null ? "now " + refName(b) : y == null ? refName(a) + " now inline "
                        + shape(b) : "changed from " + refName(a) + " to " + refName(b)));
                case "items" -> sub(path + "[]", x, y, out);
                case "additionalProperties" -> sub(path + "{}", x, y, out);
                default -> out.add(at(path) + "`" + key + "` " + (x == null ? "added: " + clip(y) : y == null ? "removed (was "
                        + clip(x) + ")" : "changed from " + clip(x) + " to " + clip(y)));
            }
        }
    }

    private static void sub(String path, JsonNode x, JsonNode y, List<String> out) {
        if (x == null || y == null) {
            out.add(at(path) + (x == null ? "added: " + clip(y) : "removed"));
        } else {
            walk(path, x, y, out);
        }
    }

    private static void fields(String path, JsonNode x, JsonNode y, List<String> out) {
        Map<String, JsonNode> before = x == null ? Map.of() : fields(x);
        Map<String, JsonNode> after = y == null ? Map.of() : fields(y);
        after.forEach((f, s) -> {
            if (!before.containsKey(f)) {
                out.add("field added: `" + join(path, f) + "` (" + shape(s) + ")");
            }
        });
        before.forEach((f, s) -> {
            if (!after.containsKey(f)) {
                out.add("field removed: `" + join(path, f) + "`");
            } else {
                walk(join(path, f), s, after.get(f), out);
            }
        });
    }

    /** Union variants matched by their title, else their tag (a property with one enum value), else their shape. */
    private static void variants(String path, String key, JsonNode x, JsonNode y, List<String> out) {
        if (x == null || y == null) {
            out.add(at(path) + (x == null ? "now a union (`" + key + "`) of " + String.join(", ", byLabel(y).keySet())
                    : "no longer a union (`" + key + "`)"));
            return;
        }
        Map<String, JsonNode> before = byLabel(x);
        Map<String, JsonNode> after = byLabel(y);
        after.forEach((label, s) -> {
            if (!before.containsKey(label)) {
                out.add("variant added" + in(path) + ": " + label + " (" + shape(s) + ")");
            }
        });
        before.forEach((label, s) -> {
            if (!after.containsKey(label)) {
                out.add("variant removed" + in(path) + ": " + label);
            } else {
                walk(path.isEmpty() ? label.replace("`", "") : path + "|" + label.replace("`", ""), s, after.get(label), out);
            }
        });
    }

    private static Map<String, JsonNode> byLabel(JsonNode variants) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        int i = 0;
        for (JsonNode v : variants) {
            String label = label(v);
            out.put(out.containsKey(label) ? label + " #" + i : label, v);
            i++;
        }
        return out;
    }

    private static String label(JsonNode v) {
        if (v.has("title")) {
            return "`" + v.get("title").asText() + "`";
        }
        for (Map.Entry<String, JsonNode> p : fields(v.path("properties")).entrySet()) {
            JsonNode e = p.getValue().path("enum");
            if (e.isArray() && e.size() == 1 && e.get(0).isTextual() && v.path("required").toString().contains("\"" + p.getKey() + "\"")) {
                return "`" + p.getKey() + ": " + e.get(0).asText() + "`";
            }
        }
        if (v.has("$ref")) {
            return "`" + refName(v) + "`";
        }
        if (v.has("enum")) {
            return v.get("enum").size() == 1 ? "enum `" + v.get("enum").get(0).asText() + "`" : "enum of " + v.path("type").asText("values");
        }
        return shape(v);
    }

    /** A schema in a few words: its type, ref or union. */
    static String shape(JsonNode s) {
        if (s == null || s.isMissingNode()) {
            return "nothing";
        }
        if (s.has("$ref")) {
            return refName(s);
        }
        for (String u : List.of("oneOf", "anyOf")) {
            if (s.has(u)) {
                List<String> parts = new ArrayList<>();
                s.get(u).forEach(v -> parts.add(v.has("type") && v.get("type").asText().equals("null") ? "null" : label(v).replace("`", "")));
                return String.join(" | ", parts);
            }
        }
        if (s.has("enum")) {
            return "enum " + texts(s.get("enum"));
        }
        JsonNode type = s.get("type");
        String t = type == null ? "any" : type.isArray() ? texts(type).stream().collect(Collectors.joining(" | ")) : type.asText();
        if (s.has("items")) {
            t += " of " + shape(s.get("items"));
        }
        if (s.has("properties")) {
            t += " {" + String.join(", ", fields(s.get("properties")).keySet()) + "}";
        }
        return t;
    }

    private static String at(String path) {
        return path.isEmpty() ? "" : "`" + path + "`: ";
    }

    private static String in(String path) {
        return path.isEmpty() ? "" : " in `" + path + "`";
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private static String clip(JsonNode n) {
        String s = n == null ? "nothing" : n.toString();
        return "`" + (s.length() > 80 ? s.substring(0, 77) + "..." : s) + "`";
    }

    private static String names(List<String> names) {
        return names.isEmpty() ? "none" : names.stream().map(n -> "`" + n + "`").collect(Collectors.joining(", "));
    }

    private static Set<String> texts(JsonNode array) {
        Set<String> out = new LinkedHashSet<>();
        if (array != null) {
            array.forEach(v -> out.add(v.asText()));
        }
        return out;
    }

    static String refName(JsonNode s) {
        String ref = s.get("$ref").asText();
        return ref.substring(ref.lastIndexOf('/') + 1);
    }

    private static Map<String, JsonNode> fields(JsonNode object) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /** The bundle's definitions, top level and {@code v2} in one namespace ({@code v2} wins, as in SchemaModel). */
    static SortedMap<String, JsonNode> flatten(JsonNode bundle) {
        SortedMap<String, JsonNode> out = new TreeMap<>();
        JsonNode defs = bundle.path("definitions");
        fields(defs).forEach((name, def) -> {
            if (!name.equals("v2")) {
                out.put(name, def);
            }
        });
        out.putAll(fields(defs.path("v2")));
        return out;
    }

    private static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schema " + file + " (generate it with `codex app-server generate-json-schema"
                    + (file.getParent().getFileName().toString().equals("experimental") ? " --experimental" : "") + " --out DIR`)", e);
        }
    }
}
