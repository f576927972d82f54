package dev.codexbridge.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.codegen.ProtocolGenerator;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/** The checked-in protocol package is exactly what the pinned codex binary's schema generates. */
class GeneratedProtocolUpToDateTest {
    private static final Path PACKAGE_DIR = Paths.get("src/main/java/dev/codexbridge/protocol");

    @Test
    void checkedInSourcesMatchThePinnedSchema() {
        Path schemaDir = Paths.get(System.getProperty("codexbridge.schemaDir", "target/codex-schema"));
        String version = System.getProperty("codexbridge.pinnedVersion");
        assertThat(version).as("-Dcodexbridge.pinnedVersion").isNotBlank();

        SortedMap<String, String> expected = ProtocolGenerator.generate(schemaDir, version);
        SortedMap<String, String> actual = ProtocolGenerator.existingGenerated(PACKAGE_DIR);

        List<String> problems = new ArrayList<>();
        expected.forEach((file, content) -> {
            if (!actual.containsKey(file)) {
                problems.add("missing: " + file);
            } else if (!actual.get(file).equals(content)) {
                problems.add("differs: " + file);
            }
        });
        actual.keySet().stream().filter(f -> !expected.containsKey(f)).forEach(f -> problems.add("extra: " + f));

        assertThat(problems)
                .as("generated protocol is out of date with codex %s; regenerate with%n  %s%n",
                        version, ProtocolGenerator.REGENERATE)
                .isEmpty();
        assertThat(expected).hasSizeGreaterThan(800);
    }
}
