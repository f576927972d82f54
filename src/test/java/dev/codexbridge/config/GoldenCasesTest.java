package dev.codexbridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.codexbridge.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlVersion;

/**
 * Runs every case in {@code config-migration/}. With {@code -Dcodexbridge.regenerateGolden=true}
 * it writes the expected files instead (review the diff before committing).
 */
class GoldenCasesTest {
    private static final boolean REGENERATE = Boolean.getBoolean("codexbridge.regenerateGolden");

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyGoldenCase() {
        List<GoldenCases.Case> cases = GoldenCases.all();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(10);
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    private void check(GoldenCases.Case c) throws Exception {
        Path home = tmp.resolve(c.name()).resolve("codex-home");
        MigrationReport report = c.run(home, false);
        Path written = home.resolve("config.toml");
        String actual = Files.exists(written) ? Files.readString(written) : null;
        JsonNode actualReport = GoldenCases.comparable(report);
        if (REGENERATE) {
            if (actual != null) {
                Files.writeString(c.expectedConfig(), actual);
            }
            Files.writeString(c.expectedReport(), Json.mapper().writer().with(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(actualReport) + "\n");
            return;
        }
        if (Files.exists(c.expectedConfig())) {
            assertThat(actual).as("config.toml of %s", c.name()).isEqualTo(Files.readString(c.expectedConfig()));
            if (report.written()) {
                assertThat(Toml.parse(actual, TomlVersion.V1_0_0).errors()).as("TOML 1.0 errors").isEmpty();
            } else if (Files.exists(c.existing())) {
                assertThat(actual).as("an unwritten file stays as it was").isEqualTo(Files.readString(c.existing()));
            }
        } else {
            assertThat(actual).as("%s writes no file", c.name()).isNull();
        }
        assertThat(actualReport).as("report of %s", c.name()).isEqualTo(Json.parse(Files.readString(c.expectedReport())));

        if (Files.exists(c.existing()) && report.written()) {
            String before = Files.readString(c.existing());
            assertThat(outside(actual)).as("bytes outside the block").isIn(outside(before), outside(before) + "\n");
        }
        // Re-running with the same inputs changes nothing, byte for byte.
        MigrationReport again = c.migrator(home).migrate(false);
        assertThat(again.changed()).as("second run of %s changes nothing", c.name()).isFalse();
        assertThat(Files.exists(written) ? Files.readString(written) : null).isEqualTo(actual);
    }

    private static String outside(String text) {
        return ManagedBlock.strip(text).outside();
    }
}
