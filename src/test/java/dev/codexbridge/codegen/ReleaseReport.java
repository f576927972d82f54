package dev.codexbridge.codegen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What {@code bin/codex-release VERSION} prints last: the scenario and typed-method columns of a
 * codex release, as docs/compatibility.md lays them out, and its row for the "Releases checked"
 * table there — read from the folder the matrices' survey and {@link SchemaDiff} wrote
 * ({@code target/codex-release/VERSION}). The typed methods' answers are compared with the pinned
 * codex's, when its survey is there ({@code target/codex-release/PINNED}); when the release already
 * has a committed matrix ({@code fixtures/compatibility/VERSION.json}), the report also says where
 * the survey differs from it.
 *
 * <p>Usage: {@code ReleaseReport DIR VERSION PINNED}.
 */
public final class ReleaseReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReleaseReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: ReleaseReport DIR VERSION PINNED");
        }
        System.out.print(report(Paths.get(args[0]), args[1], args[2], Paths.get("fixtures", "compatibility")));
    }

    static String report(Path dir, String version, String pinned, Path committedDir) throws IOException {
        StringBuilder sb = new StringBuilder();
        JsonNode scenarios = read(dir.resolve(version + ".json")).path("scenarios");
        JsonNode methods = read(dir.resolve(version + "-methods.json")).path("methods");
        String schema = Files.isRegularFile(dir.resolve("schema-row.txt")) ? Files.readString(dir.resolve("schema-row.txt")).strip()
                : "(no schema comparison)";

        int passing = 0;
        List<String> scenarioRows = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : entries(scenarios)) {
            boolean passes = e.getValue().path("status").asText().equals("passes");
            passing += passes ? 1 : 0;
            scenarioRows.add("| " + e.getKey() + " | " + (passes ? "passes" : "**differs**: " + e.getValue().path("symptom").asText()) + " |");
        }
        String scenarioCell = scenarios.size() == 0 ? "not run" : passing + " of " + scenarios.size() + " pass"
                + (passing == scenarios.size() ? "" : ", " + (scenarios.size() - passing) + " differ");

        int ok = 0;
        List<String> methodRows = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : entries(methods)) {
            JsonNode m = e.getValue();
            String status = m.path("status").asText();
            ok += status.equals("ok") ? 1 : 0;
            methodRows.add("| `" + e.getKey() + "` | " + (status.equals("ok") ? "ok — " + m.path("result").asText()
                    : "**" + status + "**" + (m.has("code") ? " " + m.path("code").asText() : "") + " `" + m.path("message").asText() + "`") + " |");
        }
        String methodCell = methods.size() == 0 ? "not run" : ok + " of " + methods.size() + " ok"
                + (ok == methods.size() ? "" : ", " + (methods.size() - ok) + " not");
        // the same methods asked of the pinned codex: only a different answer is news
        JsonNode pinnedMethods = read(dir.resolveSibling(pinned).resolve(pinned + "-methods.json")).path("methods");
        if (methods.size() > 0 && pinnedMethods.size() > 0 && !version.equals(pinned)) {
            List<String> differ = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : entries(methods)) {
                if (!e.getValue().equals(pinnedMethods.path(e.getKey()))) {
                    differ.add("`" + e.getKey() + "`");
                }
            }
            methodCell += differ.isEmpty() ? ", every answer as on " + pinned
                    : "; " + differ.size() + " answer" + (differ.size() == 1 ? "" : "s") + " unlike " + pinned + "'s: " + String.join(", ", differ);
        }

        sb.append("\ncodex ").append(version).append(" with codex-bridge pinned to ").append(pinned).append(" (").append(dir).append(")\n\n");
        sb.append("Scenarios (CompatibilityLiveTest): ").append(scenarioCell).append("\n\n| scenario | ").append(version).append(" |\n|---|---|\n");
        scenarioRows.forEach(r -> sb.append(r).append('\n'));
        sb.append("\nTyped methods (MethodCompatibilityLiveTest): ").append(methodCell).append("\n\n| method | ").append(version)
                .append(" |\n|---|---|\n");
        methodRows.forEach(r -> sb.append(r).append('\n'));
        sb.append('\n').append(againstCommitted(committedDir.resolve(version + ".json"), scenarios, "scenarios"));
        sb.append(againstCommitted(committedDir.resolve(version + "-methods.json"), methods, "methods"));
        sb.append("\nThe row for docs/compatibility.md (\"Releases checked\"):\n\n");
        sb.append("| ").append(version).append(" | ").append(scenarioCell).append(" | ").append(methodCell).append(" | ").append(schema)
                .append(" |\n");
        return sb.toString();
    }

    /** Where the survey differs from the committed matrix of the same version, if there is one. */
    private static String againstCommitted(Path committed, JsonNode surveyed, String member) throws IOException {
        if (!Files.isRegularFile(committed)) {
            return "";
        }
        JsonNode expected = read(committed).path(member);
        List<String> differences = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : entries(expected)) {
            JsonNode got = surveyed.path(e.getKey());
            String want = e.getValue().path("status").asText();
            if (want.equals("varies")) {
                // passes on a quiet machine, not always under load: either is as committed, a failure only with its symptom
                if (got.path("status").asText().equals("differs")
                        && !String.join("\n", texts(got.path("failures"))).contains(e.getValue().path("symptom").asText())) {
                    differences.add(e.getKey() + ": differs otherwise than committed (" + got.path("symptom").asText() + ")");
                }
            } else if (!got.path("status").asText().equals(want)) {
                differences.add(e.getKey() + ": committed " + want + ", now " + got.path("status").asText("missing"));
            } else if (member.equals("scenarios") && want.equals("differs")
                    && !String.join("\n", texts(got.path("failures"))).contains(e.getValue().path("symptom").asText())) {
                differences.add(e.getKey() + ": differs otherwise than committed (" + got.path("symptom").asText() + ")");
            } else if (member.equals("methods") && !got.equals(e.getValue())) {
                differences.add(e.getKey() + ": committed " + e.getValue() + ", now " + got);
            }
        }
        for (Map.Entry<String, JsonNode> e : entries(surveyed)) {
            if (!expected.has(e.getKey())) {
                differences.add(e.getKey() + ": not in the committed matrix");
            }
        }
        return "Against " + committed + ": " + (differences.isEmpty() ? "as committed" : String.join("; ", differences)) + "\n";
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<Map.Entry<String, JsonNode>> entries(JsonNode object) {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    private static JsonNode read(Path file) throws IOException {
        return Files.isRegularFile(file) ? JSON.readTree(Files.readString(file)) : JSON.createObjectNode();
    }
}
