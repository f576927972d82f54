package dev.codexbridge.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What SchemaDiff and ReleaseReport make of two small schemas and a survey, without codex. */
class SchemaDiffTest {
    @TempDir
    Path tmp;

    private static String request(String method, String params) {
        return "{\"title\":\"" + method + "Request\",\"type\":\"object\",\"required\":[\"id\",\"method\"],\"properties\":{\"id\":{\"type\":\"integer\"},"
                + "\"method\":{\"type\":\"string\",\"enum\":[\"" + method + "\"]},\"params\":{\"$ref\":\"#/definitions/v2/" + params + "\"}}}";
    }

    /** A schema folder as generate-json-schema writes it: the bundle, the v2 bundle, both again under experimental/. */
    private Path schema(String name, String clientRequests, String serverRequests, String v2Definitions) throws IOException {
        String bundle = "{\"definitions\":{\"ClientRequest\":{\"oneOf\":[" + clientRequests + "]},\"ServerRequest\":{\"oneOf\":["
                + serverRequests + "]},\"v2\":{" + v2Definitions + "}}}";
        String v2 = "{\"definitions\":{" + v2Definitions + "}}";
        Path dir = tmp.resolve(name);
        for (Path d : new Path[] {dir, dir.resolve("experimental")}) {
            Files.createDirectories(d);
            Files.writeString(d.resolve(SchemaDiff.BUNDLE), bundle);
            Files.writeString(d.resolve(SchemaDiff.V2_BUNDLE), v2);
        }
        return dir;
    }

    @Test
    void methodsDefinitionsFieldsEnumValuesAndVariantsAddedChangedAndRemoved() throws IOException {
        Path old = schema("old", request("thread/list", "ThreadListParams") + "," + request("thread/read", "ThreadReadParams"),
                request("legacyClock/read", "LegacyClockReadParams"),
                "\"ThreadListParams\":{\"type\":\"object\",\"properties\":{\"limit\":{\"type\":\"integer\"}},\"required\":[\"limit\"]},"
                        + "\"ThreadListResponse\":{\"type\":\"object\",\"properties\":{\"data\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/definitions/v2/Item\"}}}},"
                        + "\"ThreadReadParams\":{\"type\":\"object\",\"description\":\"old words\"},"
                        + "\"Item\":{\"oneOf\":[{\"title\":\"AgentItem\",\"type\":\"object\"}]},"
                        + "\"ErrorInfo\":{\"anyOf\":[{\"type\":\"string\",\"enum\":[\"cyberPolicy\",\"other\"]}]},"
                        + "\"LegacyClockReadParams\":{\"type\":\"object\"}");
        Path now = schema("new", request("thread/list", "ThreadListParams") + "," + request("thread/read", "ThreadReadParams") + ","
                        + request("thread/search/cancel", "ThreadSearchCancelParams"), "",
                "\"ThreadListParams\":{\"type\":\"object\",\"properties\":{\"limit\":{\"type\":\"integer\"},\"includedThreadIds\":{\"type\":[\"array\",\"null\"]}}},"
                        + "\"ThreadListResponse\":{\"type\":\"object\",\"properties\":{\"data\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/definitions/v2/Item\"}}}},"
                        + "\"ThreadReadParams\":{\"type\":\"object\",\"description\":\"new words\"},"
                        + "\"Item\":{\"oneOf\":[{\"title\":\"AgentItem\",\"type\":\"object\"},{\"title\":\"FrameItem\",\"type\":\"object\"}]},"
                        + "\"ErrorInfo\":{\"anyOf\":[{\"type\":\"string\",\"enum\":[\"cyberPolicy\",\"bioPolicy\",\"other\"]}]},"
                        + "\"ThreadSearchCancelParams\":{\"type\":\"object\"},\"ThreadSearchCancelResponse\":{\"type\":\"object\"}");
        SchemaDiff.Report r = SchemaDiff.compare(SchemaDiff.Side.read(old, "1.0.0"), SchemaDiff.Side.read(now, "1.1.0"));
        String summary = SchemaDiff.summary(r);
        System.out.println(summary);
        assertThat(summary)
                .contains("- **ClientRequest**: 2 → 3 methods; added: `thread/search/cancel`; removed: none")
                .contains("- **ServerRequest**: 1 → 0 methods; added: none; removed: `legacyClock/read`")
                .contains("added: `ThreadSearchCancelParams`, `ThreadSearchCancelResponse`; removed: `LegacyClockReadParams`")
                .contains("`ErrorInfo` enum value added: `bioPolicy`")
                .contains("`Item` variant added: `FrameItem` (object)")
                .contains("`thread/list` (Item, ThreadListParams)")
                .contains("`thread/read` (ThreadReadParams)")
                .contains("**In the `v2` bundle alone**");
        assertThat(r.changed()).extracting(SchemaDiff.Changed::name).contains("ThreadListParams", "ThreadReadParams", "Item", "ErrorInfo");
        assertThat(r.changed().stream().filter(c -> c.name().equals("ThreadListParams")).findFirst().orElseThrow().changes())
                .containsExactly("field added: `includedThreadIds` (array | null)", "`limit` no longer required");
        assertThat(r.changed().stream().filter(c -> c.name().equals("ThreadReadParams")).findFirst().orElseThrow().changes())
                .containsExactly("descriptions only");
        assertThat(SchemaDiff.row(r)).startsWith("client requests 2 → 3 (+`thread/search/cancel`), notifications 0, "
                + "server requests 1 → 0 (−`legacyClock/read`)");
        assertThat(SchemaDiff.markdown(r)).startsWith("# codex 1.1.0 against 1.0.0: what the app-server schema changes");
    }

    @Test
    void theSameSchemaChangesNothing() throws IOException {
        Path one = schema("one", request("thread/list", "ThreadListParams"), "", "\"ThreadListParams\":{\"type\":\"object\"}");
        SchemaDiff.Report r = SchemaDiff.compare(SchemaDiff.Side.read(one, "1.0.0"), SchemaDiff.Side.read(one, "1.0.0"));
        assertThat(r.changed()).isEmpty();
        assertThat(r.needsCode()).isEmpty();
        assertThat(SchemaDiff.row(r)).isEqualTo("client requests 1, notifications 0, server requests 0, client notifications 0, "
                + "definitions +0 −0, 0 changed");
    }

    @Test
    void theReportGivesBothColumnsTheRowAndWhereASurveyDiffersFromTheCommittedMatrix() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("survey"));
        Files.writeString(dir.resolve("2.0.0.json"), "{\"scenarios\":{\"simple-turn\":{\"status\":\"passes\"},"
                + "\"steer\":{\"status\":\"differs\",\"symptom\":\"expected a steer\",\"failures\":[\"expected a steer\"]}}}");
        Files.writeString(dir.resolve("2.0.0-methods.json"), "{\"methods\":{\"thread/list\":{\"status\":\"ok\",\"result\":\"threads: 0\"},"
                + "\"thread/turns/list\":{\"status\":\"error\",\"code\":-32600,\"message\":\"not materialized\"}}}");
        Files.writeString(dir.resolve("schema-row.txt"), "client requests 1\n");
        Path committed = Files.createDirectories(tmp.resolve("committed"));
        Files.writeString(committed.resolve("2.0.0.json"), "{\"scenarios\":{\"simple-turn\":{\"status\":\"passes\"},\"steer\":{\"status\":\"passes\"}}}");
        String report = ReleaseReport.report(dir, "2.0.0", "1.0.0", committed);
        System.out.println(report);
        assertThat(report).contains("Scenarios (CompatibilityLiveTest): 1 of 2 pass, 1 differ")
                .contains("| steer | **differs**: expected a steer |")
                .contains("| `thread/turns/list` | **error** -32600 `not materialized` |")
                .contains("steer: committed passes, now differs")
                .endsWith("| 2.0.0 | 1 of 2 pass, 1 differ | 1 of 2 ok, 1 not | client requests 1 |\n");
    }
}
