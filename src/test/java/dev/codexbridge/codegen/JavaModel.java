package dev.codexbridge.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The Java declarations the generator emits, independent of how they are printed.
 *
 * <p>Type expressions are strings in which a top-level protocol type is written {@code @@Name}: the
 * emitter prints it as a simple name, or fully qualified where a nested type of the same name
 * would shadow it.
 */
final class JavaModel {
    private JavaModel() {
    }

    static String ref(String topLevelName) {
        return "@@" + topLevelName;
    }

    sealed interface Decl permits RecordDecl, EnumDecl, UnionDecl, RawDecl {
        String name();
    }

    record Component(String wireName, String javaName, String type, String description, boolean required,
                     boolean experimental) {
    }

    /** A record; {@code tagProperty}/{@code tagValue} make it a union variant that writes its tag. */
    record RecordDecl(String name, String description, List<Component> components, boolean experimental,
                      List<Decl> nested, SortedSet<String> interfaces, String tagProperty, String tagValue,
                      boolean unionMember) implements Decl {
        RecordDecl(String name, String description, boolean experimental) {
            this(name, description, new ArrayList<>(), experimental, new ArrayList<>(), new TreeSet<>(), null, null,
                    false);
        }

        RecordDecl withTag(String property, String value) {
            return new RecordDecl(name, description, components, experimental, nested, interfaces, property, value,
                    true);
        }

        RecordDecl asUnionMember() {
            return new RecordDecl(name, description, components, experimental, nested, interfaces, tagProperty,
                    tagValue, true);
        }
    }

    record EnumConstant(String javaName, String wire, boolean experimental) {
    }

    record EnumDecl(String name, String description, List<EnumConstant> constants, boolean experimental)
            implements Decl {
    }

    /** How the union decoder picks a variant; see {@code UnionCodec} for the runtime side. */
    enum Rule { TAG, TEXT, SOLE_KEY, HAS_KEY, NODE_TYPE }

    /**
     * One variant: {@code record} is the nested record (null for a variant that is a top-level
     * record, named by {@code topLevel}); {@code constantName} is set for a bare-string variant.
     */
    record Variant(String name, Rule rule, String key, String value, RecordDecl record, String topLevel,
                   String constantName, boolean experimental) {
    }

    record UnionDecl(String name, String description, List<Variant> variants, boolean experimental,
                     SortedSet<String> interfaces, String encoding) implements Decl {
    }

    /** Kept as raw JSON: a shape the generator cannot map faithfully; {@code reason} says why. */
    record RawDecl(String name, String description, boolean experimental, String reason, SortedSet<String> interfaces)
            implements Decl {
    }
}
