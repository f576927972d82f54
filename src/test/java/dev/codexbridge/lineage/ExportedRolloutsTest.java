package dev.codexbridge.lineage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.store.RolloutAppend;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.spi.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading only what codex appended to the files of a lineage, and every mismatch that sends the export back to a whole read. */
class ExportedRolloutsTest {
    private static final String T = "0199a213-81c0-7800-8aa1-bbab2a035a53";
    private static final String SOURCE = "0199a213-81c0-7800-8aa1-bbab2a035a54";
    private static final String OWN = "2026/11/25/rollout-2026-11-25T03-05-19-" + T + ".jsonl";
    private static final String FORK_SOURCE = "2026/11/24/rollout-2026-11-24T03-05-19-" + SOURCE + ".jsonl";
    private static final long CAP = 64L << 20;

    @TempDir
    Path sessions;

    private static String end(String turnId) {
        return "{\"type\":\"event_msg\",\"payload\":{\"type\":\"task_complete\",\"turn_id\":\"" + turnId + "\"}}\n";
    }

    private RolloutFile write(String path, String text) throws IOException {
        Path file = sessions.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return RolloutFile.read(sessions, file);
    }

    private void append(String path, String text) throws IOException {
        Files.writeString(sessions.resolve(path), text, StandardOpenOption.APPEND);
    }

    private ExportedRollouts exported() throws IOException {
        String own = "{\"type\":\"session_meta\",\"id\":\"" + T + "\"}\n" + "x".repeat(5_000) + "\n" + end("turn-1");
        return ExportedRollouts.of(List.of(write(OWN, own), write(FORK_SOURCE, "{\"type\":\"session_meta\"}\n")));
    }

    @Test
    void onlyTheNewBytesAreReadAndTheWholeHashFollowsFromTheRememberedState() throws IOException {
        ExportedRollouts before = exported();
        byte[] base = Files.readAllBytes(sessions.resolve(OWN));
        append(OWN, "{\"turn\":2}\n" + end("turn-2"));

        ExportedRollouts.Appended appended = before.readAppended(sessions, T, "turn-2", CAP).orElseThrow();

        byte[] whole = Files.readAllBytes(sessions.resolve(OWN));
        RolloutAppend own = appended.appends().get(0);
        assertThat(own.baseSize()).isEqualTo(base.length);
        assertThat(own.baseSha256()).isEqualTo(Sha256.hex(base));
        assertThat(new String(own.tailFile().bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"turn\":2}\n" + end("turn-2"));
        assertThat(appended.lineage().get(0)).isEqualTo(RolloutFile.of(OWN, whole));
        assertThat(appended.appends().get(1).tailSize()).as("the fork source did not change").isZero();
        assertThat(appended.tailBytes()).isEqualTo(whole.length - base.length);

        // codex goes on writing: the whole file as a store without appends reads it is still the turn's
        append(OWN, "{\"turn\":3}\n" + end("turn-3"));
        assertThat(appended.lineage().get(0).bytes()).isEqualTo(whole);
        ExportedRollouts.Appended third = appended.next().readAppended(sessions, T, "turn-3", CAP).orElseThrow();
        assertThat(third.lineage().get(0)).isEqualTo(RolloutFile.of(OWN, Files.readAllBytes(sessions.resolve(OWN))));
        assertThat(third.appends().get(0).baseSha256()).isEqualTo(Sha256.hex(whole));
    }

    @Test
    void aFileThatShrankOrChangedBeforeItsOldEndIsReadWhole() throws IOException {
        ExportedRollouts before = exported();
        String own = Files.readString(sessions.resolve(OWN));

        Files.writeString(sessions.resolve(OWN), own.substring(0, own.length() - 10));
        assertThat(before.readAppended(sessions, T, "turn-1", CAP)).as("shrank").isEmpty();

        Files.writeString(sessions.resolve(OWN), own.substring(0, own.length() - 3) + "}}}\n" + end("turn-2"));
        assertThat(before.readAppended(sessions, T, "turn-2", CAP)).as("its last bytes are not the remembered ones").isEmpty();

        Files.writeString(sessions.resolve(OWN), own + end("turn-2"));
        assertThat(before.readAppended(sessions, T, "turn-2", 1_000)).as("past the cap").isEmpty();
        assertThat(before.readAppended(sessions, T, "turn-2", CAP)).isPresent();
    }

    @Test
    void aFileGoneOrALinkOrATurnEndNotWrittenIsReadWhole() throws IOException {
        ExportedRollouts before = exported();
        append(OWN, "{\"turn\":2}\n");
        assertThat(before.readAppended(sessions, T, "turn-2", CAP)).as("the end is not written (or a revert writes another file)").isEmpty();

        Path source = sessions.resolve(FORK_SOURCE);
        Path moved = Files.move(source, sessions.resolve("elsewhere.jsonl"));
        append(OWN, end("turn-2"));
        assertThat(before.readAppended(sessions, T, "turn-2", CAP)).as("a file gone").isEmpty();

        Files.createSymbolicLink(source, moved);
        assertThat(before.readAppended(sessions, T, "turn-2", CAP)).as("a link in its place").isEmpty();
        Files.delete(source);
        Files.move(moved, source);
        assertThat(before.readAppended(sessions, T, "turn-2", CAP)).as("all back as it was").isPresent();
    }

    @Test
    void aLineageReadWholeIsAppendsWhenItIsTheRememberedBytesPlusMore() throws IOException {
        ExportedRollouts before = exported();
        byte[] base = Files.readAllBytes(sessions.resolve(OWN));
        append(OWN, "{\"turn\":2}\n" + end("turn-2"));
        List<RolloutFile> read = List.of(RolloutFile.of(OWN, Files.readAllBytes(sessions.resolve(OWN))),
                RolloutFile.of(FORK_SOURCE, Files.readAllBytes(sessions.resolve(FORK_SOURCE))));

        ExportedRollouts.Appended appended = before.appendedFrom(read).orElseThrow();

        assertThat(appended.lineage()).isEqualTo(read);
        assertThat(appended.appends().get(0).baseSha256()).isEqualTo(Sha256.hex(base));
        assertThat(new String(appended.appends().get(0).tailFile().bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"turn\":2}\n" + end("turn-2"));
        assertThat(appended.appends().get(1).tailSize()).isZero();

        byte[] changed = read.get(0).bytes();
        changed[10] ^= 1;
        assertThat(before.appendedFrom(List.of(RolloutFile.of(OWN, changed), read.get(1)))).as("a byte before the old end").isEmpty();
        assertThat(before.appendedFrom(List.of(read.get(0)))).as("other paths").isEmpty();
        assertThat(before.appendedFrom(List.of(RolloutFile.of(OWN, java.util.Arrays.copyOf(base, 10)), read.get(1)))).as("shorter").isEmpty();
    }
}
