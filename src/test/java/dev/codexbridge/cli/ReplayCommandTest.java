package dev.codexbridge.cli;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayCommandTest {
    @TempDir
    Path tmp;


    @Test
    void replaysFixturesAndFailsWithADiffOnATamperedOne() throws Exception {
        String[] ok = run("replay", "fixtures/simple-turn.jsonl", "fixtures/multi-turn.jsonl", "--json");
        assertThat(ok[0]).isEqualTo("0");
        assertThat(ok[1]).contains("ok      fixtures/simple-turn.jsonl (simple-turn, 1 turn)").contains("\"status\":\"completed\"");

        Path tampered = tmp.resolve("simple-turn.jsonl");
        Files.writeString(tampered, Files.readString(Paths.get("fixtures/simple-turn.jsonl")).replace("\"text\":\"say hello\"", "\"text\":\"say goodbye\""));
        String[] bad = run("replay", tampered.toString());
        assertThat(bad[0]).isEqualTo("1");
        assertThat(bad[1]).contains("FAILED").contains("-").contains("say goodbye").contains("say hello");

        assertThat(run("replay", tmp.resolve("missing.jsonl").toString())[0]).isEqualTo("2");
        assertThat(run("record", "--scenario", "no-such-scenario")[0]).isEqualTo("2");
        assertThat(run("record", "--list")[1]).contains("simple-turn").contains("resume-in-new-process");
    }
}
