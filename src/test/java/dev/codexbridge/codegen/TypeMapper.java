package dev.codexbridge.codegen;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.codegen.JavaModel.Component;
import dev.codexbridge.codegen.JavaModel.Decl;
import dev.codexbridge.codegen.JavaModel.EnumConstant;
import dev.codexbridge.codegen.JavaModel.EnumDecl;
import dev.codexbridge.codegen.JavaModel.RawDecl;
import dev.codexbridge.codegen.JavaModel.RecordDecl;
import dev.codexbridge.codegen.JavaModel.Rule;
import dev.codexbridge.codegen.JavaModel.UnionDecl;
import dev.codexbridge.codegen.JavaModel.Variant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Maps schema definitions to Java declarations: objects to records, string enums to enums,
 * {@code oneOf}/{@code anyOf} to sealed interfaces (tagged, string-or-single-key, required-key or
 * JSON-kind encodings), aliases (strings, arrays, maps) inlined at their use, anything else to raw
 * JSON.
 */
final class TypeMapper {
    /** The method unions become method tables, not types. */
    private static final Set<String> NOT_TYPES = Set.of("ClientRequest", "ServerRequest", "ServerNotification",
            "ClientNotification");
    /**
     * Nested names that would clash with members every union has, with names generated code uses,
     * or with a {@code java.lang} type; such a nested type gets {@code Value} appended.
     */
    private static final Set<String> RESERVED_NESTED = reservedNested();

    private final SchemaModel schema;
    private final Map<String, Decl> decls = new TreeMap<>();
    /** Definitions kept as raw JSON, with the reason, for the decision record and the report. */
    final Map<String, String> rawDefinitions = new TreeMap<>();

    private static Set<String> reservedNested() {
        Set<String> reserved = new HashSet<>(Names.JAVA_LANG);
        reserved.addAll(Set.of("Unknown", "Codec", "List", "Map", "JsonNode", "Experimental"));
        return Set.copyOf(reserved);
    }

    TypeMapper(SchemaModel schema) {
        this.schema = schema;
    }

    Map<String, Decl> mapAll() {
        for (String name : schema.definitions().keySet()) {
            if (!NOT_TYPES.contains(name) && !isAlias(name)) {
                decls.put(name, map(name));
            }
        }
        return decls;
    }

    /** Definitions that have no Java type of their own: their uses get the underlying type. */
    boolean isAlias(String name) {
        JsonNode s = schema.definition(name);
        if (SchemaModel.isRef(s) || s.has("allOf")) {
            return true;
        }
        if (s.has("oneOf") || s.has("anyOf")) {
            return nonNull(s).size() == 1 && !s.has("oneOf");
        }
        if (s.has("enum")) {
            return false;
        }
        if (isObject(s)) {
            return !s.has("properties") && hasMapValues(s);
        }
        return true;
    }

    private Decl map(String name) {
        JsonNode s = schema.definition(name);
        JsonNode stable = schema.stable(name);
        boolean experimental = stable == null;
        String description = SchemaModel.text(s, "description");
        if (s.has("enum")) {
            return enumDecl(name, description, s.get("enum"), stable == null ? null : stable.get("enum"), experimental);
        }
        if (s.has("oneOf") || s.has("anyOf")) {
            return union(name, s, stable, experimental);
        }
        RecordDecl record = new RecordDecl(name, description, experimental);
        fillRecord(record, s, stable, null, null);
        return record;
    }

    // ---- records

    /** The object branches of an {@code anyOf}/{@code oneOf} that sits beside an object's own properties. */
    private static List<JsonNode> alternatives(JsonNode s) {
        List<JsonNode> out = new ArrayList<>();
        if (!s.has("properties")) {
            return out;
        }
        for (String key : new String[] {"anyOf", "oneOf"}) {
            for (JsonNode branch : s.path(key)) {
                if (branch.has("properties")) {
                    out.add(branch);
                }
            }
        }
        return out;
    }

    /** Adds the components of {@code s} (plus {@code base} properties, minus {@code skip}) to {@code record}. */
    private void fillRecord(RecordDecl record, JsonNode s, JsonNode stable, JsonNode base, String skip) {
        Set<String> required = new HashSet<>();
        Set<String> usedNames = new HashSet<>();
        Map<String, JsonNode> props = new java.util.LinkedHashMap<>();
        Map<String, Boolean> stableProps = new TreeMap<>();
        for (JsonNode source : new JsonNode[] {base, s}) {
            if (source == null) {
                continue;
            }
            source.path("properties").properties().forEach(e -> props.put(e.getKey(), e.getValue()));
            source.path("required").forEach(r -> required.add(r.asText()));
            // Alternative property sets ({url} or {fileId}) of the record itself (not of a union's
            // shared base, whose branches are the union's variants): each becomes an optional component.
            for (JsonNode branch : source == s ? alternatives(source) : List.<JsonNode>of()) {
                branch.path("properties").properties().forEach(e -> props.putIfAbsent(e.getKey(), e.getValue()));
            }
        }
        if (stable != null) {
            stable.path("properties").fieldNames().forEachRemaining(p -> stableProps.put(p, true));
            for (JsonNode branch : alternatives(stable)) {
                branch.path("properties").fieldNames().forEachRemaining(p -> stableProps.put(p, true));
            }
            if (base != null) {
                base.path("properties").fieldNames().forEachRemaining(p -> stableProps.put(p, true));
            }
        }
        for (Map.Entry<String, JsonNode> e : props.entrySet()) {
            String wire = e.getKey();
            if (wire.equals(skip)) {
                continue;
            }
            String javaName = Names.member(wire);
            while (!usedNames.add(javaName)) {
                javaName = javaName + "_";
            }
            JsonNode p = e.getValue();
            String type = typeOf(p, record, wire);
            boolean isRequired = required.contains(wire);
            boolean experimental = stable != null && !stableProps.containsKey(wire);
            record.components().add(new Component(wire, javaName, type, describe(p), isRequired, experimental));
            if (isRequired && type.equals("String")) {
                if (wire.equals("threadId")) {
                    record.interfaces().add("ThreadScoped");
                } else if (wire.equals("turnId")) {
                    record.interfaces().add("TurnScoped");
                }
            }
        }
    }

    private String describe(JsonNode p) {
        String d = SchemaModel.text(p, "description");
        if (d == null && p.has("allOf")) {
            d = SchemaModel.text(p.get("allOf").get(0), "description");
        }
        return d;
    }

    // ---- type expressions

    /** The Java type of a property schema; inline objects and enums become types nested in {@code owner}. */
    String typeOf(JsonNode p, RecordDecl owner, String property) {
        if (p.isBoolean() || p.isEmpty()) {
            return "JsonNode";
        }
        if (SchemaModel.isRef(p)) {
            String name = SchemaModel.refName(p);
            return isAlias(name) ? typeOf(schema.definition(name), owner, property) : JavaModel.ref(name);
        }
        if (p.has("allOf") && p.get("allOf").size() == 1) {
            return typeOf(p.get("allOf").get(0), owner, property);
        }
        if (p.has("oneOf") || p.has("anyOf")) {
            List<JsonNode> alts = nonNull(p);
            // a property-level union that is not "X or null": no type of its own to name
            return alts.size() == 1 ? typeOf(alts.get(0), owner, property) : "JsonNode";
        }
        // an enum of numbers (0.171.0's `version: 1`) is its number: a Java enum would read an int as an ordinal
        if (p.has("enum") && allText(p.get("enum"))) {
            if (owner == null) {
                return "String";
            }
            String name = nestedName(owner, property);
            owner.nested().add(enumDecl(name, SchemaModel.text(p, "description"), p.get("enum"), null, false));
            return name;
        }
        String type = singleType(p);
        if (type == null) {
            return "JsonNode";
        }
        switch (type) {
            case "string":
                return "String";
            case "boolean":
                return "Boolean";
            case "number":
                return "Double";
            case "integer":
                String format = p.path("format").asText("");
                return format.equals("int32") || format.equals("uint16") || format.equals("uint8")
                        || format.equals("int16") || format.equals("int8") ? "Integer" : "Long";
            case "array":
                JsonNode items = p.get("items");
                return items == null || !items.isObject() ? "List<JsonNode>"
                        : "List<" + typeOf(items, owner, property) + ">";
            case "object":
                if (p.has("properties") && owner != null) {
                    String name = nestedName(owner, property);
                    RecordDecl nested = new RecordDecl(name, SchemaModel.text(p, "description"), false);
                    fillRecord(nested, p, null, null, null);
                    owner.nested().add(nested);
                    return name;
                }
                JsonNode values = p.get("additionalProperties");
                if (values != null && values.isObject() && !values.isEmpty()) {
                    return "Map<String, " + typeOf(values, owner, property) + ">";
                }
                // free-form object: any keys, any values
                return "JsonNode";
            default:
                return "JsonNode";
        }
    }

    private static boolean allText(JsonNode values) {
        for (JsonNode v : values) {
            if (!v.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static String singleType(JsonNode p) {
        JsonNode t = p.get("type");
        if (t == null) {
            return null;
        }
        if (t.isTextual()) {
            return t.asText();
        }
        List<String> nonNull = new ArrayList<>();
        t.forEach(x -> {
            if (!x.asText().equals("null")) {
                nonNull.add(x.asText());
            }
        });
        // ["string", "object"] and the like: nothing narrower than JSON
        return nonNull.size() == 1 ? nonNull.get(0) : null;
    }

    private static String nestedName(RecordDecl owner, String property) {
        String name = Names.pascal(property);
        if (name.equals(owner.name()) || RESERVED_NESTED.contains(name)) {
            name = name + "Value";
        }
        Set<String> taken = new HashSet<>();
        owner.nested().forEach(d -> taken.add(d.name()));
        String candidate = name;
        for (int i = 2; taken.contains(candidate); i++) {
            candidate = name + i;
        }
        return candidate;
    }

    // ---- enums

    private EnumDecl enumDecl(String name, String description, JsonNode values, JsonNode stableValues,
                              boolean experimental) {
        Set<String> stable = new HashSet<>();
        if (stableValues != null) {
            stableValues.forEach(v -> stable.add(v.asText()));
        }
        List<EnumConstant> constants = new ArrayList<>();
        Set<String> used = new HashSet<>(Set.of("UNKNOWN"));
        Set<String> seen = new HashSet<>();
        for (JsonNode v : values) {
            if (v.isNull() || !seen.add(v.asText())) {
                continue;
            }
            String javaName = Names.constant(v.asText());
            if (javaName.equals("UNKNOWN")) {
                javaName = "UNKNOWN_VALUE";
            }
            while (!used.add(javaName)) {
                javaName = javaName + "_";
            }
            constants.add(new EnumConstant(javaName, v.asText(), stableValues != null && !stable.contains(v.asText())));
        }
        return new EnumDecl(name, description, constants, experimental);
    }

    // ---- unions

    private Decl union(String name, JsonNode s, JsonNode stable, boolean experimental) {
        String description = SchemaModel.text(s, "description");
        List<JsonNode> branches = new ArrayList<>();
        for (JsonNode b : nonNull(s)) {
            // ["string", "object"]: an open-ended catch-all; Unknown already keeps whatever it matches
            if (!(b.path("type").isArray() && singleType(b) == null)) {
                branches.add(b);
            }
        }
        Set<String> stableTokens = stable == null ? null : identityTokens(stable);
        JsonNode base = s.has("properties") ? s : null;

        if (branches.stream().allMatch(b -> isStringEnum(schema.resolve(b)))) {
            ArrayNodeBuilder values = new ArrayNodeBuilder();
            branches.forEach(b -> schema.resolve(b).get("enum").forEach(values::add));
            ArrayNodeBuilder stableValues = null;
            if (stable != null) {
                stableValues = new ArrayNodeBuilder();
                for (JsonNode b : nonNull(stable)) {
                    if (isStringEnum(schema.resolve(b))) {
                        schema.resolve(b).get("enum").forEach(stableValues::add);
                    }
                }
            }
            return enumDecl(name, description, values.node, stableValues == null ? null : stableValues.node,
                    experimental);
        }
        UnionDecl union = tagged(name, description, branches, base, stable, stableTokens, experimental);
        if (union == null) {
            union = externallyTagged(name, description, branches, stable, stableTokens, experimental);
        }
        if (union == null) {
            union = byRequiredKey(name, description, branches, stable, stableTokens, experimental);
        }
        if (union == null) {
            union = byJsonKind(name, description, branches, stableTokens, experimental);
        }
        if (union != null) {
            return union;
        }
        String reason = "its " + (s.has("oneOf") ? "oneOf" : "anyOf")
                + " branches share no discriminator, required key or JSON kind";
        rawDefinitions.put(name, reason);
        return new RawDecl(name, description, experimental, reason, new TreeSet<>());
    }

    /** Internally tagged: every branch an object whose property {@code P} is a single-value enum, values distinct. */
    private UnionDecl tagged(String name, String description, List<JsonNode> branches, JsonNode base, JsonNode stable,
                             Set<String> stableTokens, boolean experimental) {
        List<JsonNode> resolved = branches.stream().map(schema::resolve).toList();
        if (!resolved.stream().allMatch(b -> isObject(b) && b.has("properties"))) {
            return null;
        }
        Set<String> candidates = new TreeSet<>();
        resolved.get(0).get("properties").fieldNames().forEachRemaining(candidates::add);
        candidates.removeIf(p -> !resolved.stream().allMatch(b -> singleValue(b.path("properties").path(p)) != null));
        candidates.removeIf(p -> resolved.stream().map(b -> singleValue(b.get("properties").get(p))).distinct().count()
                < resolved.size());
        if (candidates.isEmpty()) {
            return null;
        }
        String tag = candidates.contains("type") ? "type" : candidates.iterator().next();
        List<Variant> variants = new ArrayList<>();
        Set<String> used = new HashSet<>(Set.of(name));
        for (int i = 0; i < branches.size(); i++) {
            JsonNode branch = branches.get(i);
            String value = singleValue(resolved.get(i).get("properties").get(tag));
            String token = "tag:" + tag + "=" + value;
            boolean variantExperimental = stableTokens != null && !stableTokens.contains(token);
            if (SchemaModel.isRef(branch)) {
                String target = SchemaModel.refName(branch);
                if (isAlias(target) || !(isObject(schema.definition(target)))) {
                    return null;
                }
                variants.add(new Variant(target, Rule.TAG, tag, value, null, target, null, variantExperimental));
                continue;
            }
            String variantName = unique(Names.pascal(value), used);
            RecordDecl record = new RecordDecl(variantName, SchemaModel.text(branch, "description"),
                    variantExperimental && !experimental);
            fillRecord(record, branch, variantExperimental ? null : stableBranch(stable, token), base, tag);
            record.interfaces().add(name);
            variants.add(new Variant(variantName, Rule.TAG, tag, value, record.withTag(tag, value), null, null,
                    record.experimental()));
        }
        return new UnionDecl(name, description, variants, experimental, new TreeSet<>(),
                "internally tagged by \"" + tag + "\"");
    }

    /** A string, or an object with one key naming the variant (Rust's externally tagged enums). */
    private UnionDecl externallyTagged(String name, String description, List<JsonNode> branches, JsonNode stable,
                                       Set<String> stableTokens, boolean experimental) {
        for (JsonNode b : branches) {
            JsonNode r = schema.resolve(b);
            boolean soleKey = isObject(r) && r.path("properties").size() == 1 && r.path("required").size() == 1;
            if (SchemaModel.isRef(b) || !(isStringEnum(r) || soleKey)) {
                return null;
            }
        }
        List<Variant> variants = new ArrayList<>();
        Set<String> used = new HashSet<>(Set.of(name));
        Set<String> usedConstants = new HashSet<>();
        for (JsonNode branch : branches) {
            if (isStringEnum(branch)) {
                for (JsonNode v : branch.get("enum")) {
                    String token = "text:" + v.asText();
                    boolean variantExperimental = stableTokens != null && !stableTokens.contains(token);
                    RecordDecl record = new RecordDecl(unique(Names.pascal(v.asText()), used), null,
                            variantExperimental && !experimental);
                    record.interfaces().add(name);
                    variants.add(new Variant(record.name(), Rule.TEXT, null, v.asText(), record.asUnionMember(), null,
                            unique(Names.constant(v.asText()), usedConstants), record.experimental()));
                }
                continue;
            }
            String key = branch.get("properties").fieldNames().next();
            String token = "key:" + key;
            boolean variantExperimental = stableTokens != null && !stableTokens.contains(token);
            RecordDecl record = new RecordDecl(unique(Names.pascal(key), used),
                    SchemaModel.text(branch, "description"), variantExperimental && !experimental);
            fillRecord(record, branch, variantExperimental ? null : stableBranch(stable, token), null, null);
            record.interfaces().add(name);
            variants.add(new Variant(record.name(), Rule.SOLE_KEY, key, null, record.asUnionMember(), null, null,
                    record.experimental()));
        }
        return new UnionDecl(name, description, variants, experimental, new TreeSet<>(),
                "a string or a single-key object");
    }

    /** Objects told apart by a required property no other branch has. */
    private UnionDecl byRequiredKey(String name, String description, List<JsonNode> branches, JsonNode stable,
                                    Set<String> stableTokens, boolean experimental) {
        List<JsonNode> resolved = branches.stream().map(schema::resolve).toList();
        if (!resolved.stream().allMatch(b -> isObject(b) && b.has("properties"))) {
            return null;
        }
        List<Variant> variants = new ArrayList<>();
        Set<String> used = new HashSet<>(Set.of(name));
        for (int i = 0; i < branches.size(); i++) {
            String key = null;
            for (JsonNode r : resolved.get(i).path("required")) {
                final int self = i;
                boolean unique = true;
                for (int j = 0; j < resolved.size(); j++) {
                    if (j != self && resolved.get(j).path("properties").has(r.asText())) {
                        unique = false;
                    }
                }
                if (unique) {
                    key = r.asText();
                    break;
                }
            }
            if (key == null) {
                return null;
            }
            JsonNode branch = branches.get(i);
            String token = "has:" + key;
            boolean variantExperimental = stableTokens != null && !stableTokens.contains(token);
            if (SchemaModel.isRef(branch)) {
                String target = SchemaModel.refName(branch);
                if (isAlias(target)) {
                    return null;
                }
                variants.add(new Variant(target, Rule.HAS_KEY, key, null, null, target, null, variantExperimental));
                continue;
            }
            String title = SchemaModel.text(branch, "title");
            String variantName = unique(title != null && !title.contains(":") ? stripSuffix(title, name)
                    : Names.pascal(key), used);
            RecordDecl record = new RecordDecl(variantName, SchemaModel.text(branch, "description"),
                    variantExperimental && !experimental);
            fillRecord(record, branch, variantExperimental ? null : stableBranch(stable, token), null, null);
            record.interfaces().add(name);
            variants.add(new Variant(variantName, Rule.HAS_KEY, key, null, record.asUnionMember(), null, null,
                    record.experimental()));
        }
        return new UnionDecl(name, description, variants, experimental, new TreeSet<>(),
                "objects told apart by a required property");
    }

    /** At most one branch per JSON kind (string, integer, array, object, …): each variant wraps the value. */
    private UnionDecl byJsonKind(String name, String description, List<JsonNode> branches, Set<String> stableTokens,
                                 boolean experimental) {
        Map<String, JsonNode> byKind = new TreeMap<>();
        for (JsonNode b : branches) {
            String kind = kindOf(schema.resolve(b));
            if (kind == null || byKind.put(kind, b) != null) {
                return null;
            }
        }
        List<Variant> variants = new ArrayList<>();
        Set<String> used = new HashSet<>(Set.of(name));
        for (JsonNode b : branches) {
            String kind = kindOf(schema.resolve(b));
            String token = "kind:" + kind;
            boolean variantExperimental = stableTokens != null && !stableTokens.contains(token);
            String variantName = unique(SchemaModel.isRef(b) ? SchemaModel.refName(b) + "Value"
                    : Names.pascal(kind) + "Value", used);
            RecordDecl record = new RecordDecl(variantName, SchemaModel.text(b, "description"),
                    variantExperimental && !experimental);
            record.components().add(new Component(null, "value", typeOf(b, record, variantName), null, true, false));
            record.interfaces().add(name);
            variants.add(new Variant(variantName, Rule.NODE_TYPE, kind, null, record.asUnionMember(), null, null,
                    record.experimental()));
        }
        return new UnionDecl(name, description, variants, experimental, new TreeSet<>(), "told apart by JSON kind");
    }

    private String kindOf(JsonNode r) {
        if (r.has("enum")) {
            return isStringEnum(r) ? "string" : null;
        }
        if (r.has("oneOf") || r.has("anyOf")) {
            List<String> kinds = nonNull(r).stream().map(x -> kindOf(schema.resolve(x))).distinct().toList();
            return kinds.size() == 1 ? kinds.get(0) : null;
        }
        return singleType(r);
    }

    /** Everything a branch of the stable union can be recognised by, to mark experimental variants. */
    private Set<String> identityTokens(JsonNode union) {
        Set<String> tokens = new LinkedHashSet<>();
        for (JsonNode b : nonNull(union)) {
            tokens.addAll(tokensOf(b));
        }
        return tokens;
    }

    private Set<String> tokensOf(JsonNode branch) {
        Set<String> tokens = new LinkedHashSet<>();
        JsonNode r = schema.resolve(branch);
        if (isStringEnum(r)) {
            r.get("enum").forEach(v -> tokens.add("text:" + v.asText()));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = r.path("properties").properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String v = singleValue(e.getValue());
            if (v != null) {
                tokens.add("tag:" + e.getKey() + "=" + v);
            }
            tokens.add("key:" + e.getKey());
        }
        r.path("required").forEach(k -> tokens.add("has:" + k.asText()));
        String kind = kindOf(r);
        if (kind != null) {
            tokens.add("kind:" + kind);
        }
        return tokens;
    }

    private JsonNode stableBranch(JsonNode stableUnion, String token) {
        if (stableUnion == null) {
            return null;
        }
        for (JsonNode b : nonNull(stableUnion)) {
            if (tokensOf(b).contains(token)) {
                return schema.resolve(b);
            }
        }
        return null;
    }

    // ---- helpers

    private String singleValue(JsonNode property) {
        if (property == null || property.isMissingNode()) {
            return null;
        }
        JsonNode r = SchemaModel.isRef(property) ? schema.resolve(property) : property;
        JsonNode values = r.get("enum");
        return values != null && values.size() == 1 && values.get(0).isTextual() ? values.get(0).asText() : null;
    }

    static List<JsonNode> nonNull(JsonNode s) {
        List<JsonNode> out = new ArrayList<>();
        JsonNode alts = s.has("oneOf") ? s.get("oneOf") : s.get("anyOf");
        if (alts != null) {
            for (JsonNode a : alts) {
                if (!"null".equals(a.path("type").asText())) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    private static boolean isStringEnum(JsonNode s) {
        if (!s.has("enum") || s.has("properties")) {
            return false;
        }
        for (JsonNode v : s.get("enum")) {
            if (!v.isTextual() && !v.isNull()) {
                return false;
            }
        }
        return true;
    }

    private static boolean isObject(JsonNode s) {
        return "object".equals(singleType(s)) || (s.get("type") == null && s.has("properties"));
    }

    private static boolean hasMapValues(JsonNode s) {
        JsonNode ap = s.get("additionalProperties");
        return ap != null && !(ap.isBoolean() && !ap.asBoolean());
    }

    private static String stripSuffix(String title, String unionName) {
        return title.endsWith(unionName) && title.length() > unionName.length()
                ? title.substring(0, title.length() - unionName.length()) : title;
    }

    private static String unique(String name, Set<String> used) {
        String base = RESERVED_NESTED.contains(name) ? name + "Value" : name;
        String candidate = base;
        for (int i = 2; !used.add(candidate); i++) {
            candidate = base + i;
        }
        return candidate;
    }

    /** Collects enum values from several branches into one array node. */
    private static final class ArrayNodeBuilder {
        final com.fasterxml.jackson.databind.node.ArrayNode node =
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();

        void add(JsonNode v) {
            node.add(v);
        }
    }
}
