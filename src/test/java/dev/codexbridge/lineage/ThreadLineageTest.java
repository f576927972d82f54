package dev.codexbridge.lineage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.FailureKind;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.store.RolloutFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ThreadLineage} against an app-server whose fs methods work on a temporary folder. */
class ThreadLineageTest {
    static final String T = "01a2115c-f5b2-7cb3-903a-dd5888a7b240";
    static final String REVERT = "01a2115c-f8e5-7431-a7d7-fc0979a99d0a";
    static final String FORK = "01a2115c-fa0b-7a82-9abe-38ff20900cd0";
    static final String OTHER = "01a2115c-0000-7000-8000-000000000001";
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);

    @TempDir
    Path tmp;
    FsCodex codex;
    CodexClient client;

    @BeforeEach
    void connect() {
        codex = new FsCodex(tmp.resolve("home"));
        client = codex.connect();
    }

    @AfterEach
    void close() {
        client.close();
    }

    static String name(LocalDate day, String id) {
        return String.format("%04d/%02d/%02d/rollout-%sT10-00-00-%s.jsonl", day.getYear(), day.getMonthValue(), day.getDayOfMonth(), day, id);
    }

    static long epoch(LocalDate day) {
        return day.atTime(10, 0).toEpochSecond(ZoneOffset.UTC);
    }

    /** A thread made two days ago, reverted yesterday (its current rollout the revert's), and a fork of it made today. */
    private void threadRevertedAndForked() throws Exception {
        LocalDate made = TODAY.minusDays(2);
        codex.write(name(made, T), "first\n");
        codex.write(name(TODAY.minusDays(1), T + "_" + REVERT), "after the revert\n");
        codex.write(name(made, OTHER), "another thread\n");
        codex.write(name(TODAY, FORK), "the fork\n");
        codex.thread(T, name(TODAY.minusDays(1), T + "_" + REVERT), epoch(made), null);
        codex.thread(FORK, name(TODAY, FORK), epoch(TODAY), T);
    }

    @Test
    void exportsTheThreadsOwnFilesThenItsForkSourcesAndNothingElse() throws Exception {
        threadRevertedAndForked();

        List<RolloutFile> own = ThreadLineage.export(client, T, null, TIMEOUT);
        List<RolloutFile> fork = ThreadLineage.export(client, FORK, null, TIMEOUT);

        assertThat(own).extracting(RolloutFile::relativePath).containsExactly(name(TODAY.minusDays(2), T), name(TODAY.minusDays(1), T + "_" + REVERT));
        assertThat(new String(own.get(1).bytes(), StandardCharsets.UTF_8)).isEqualTo("after the revert\n");
        assertThat(fork).extracting(RolloutFile::relativePath)
                .containsExactly(name(TODAY, FORK), name(TODAY.minusDays(2), T), name(TODAY.minusDays(1), T + "_" + REVERT));
        assertThat(fork).extracting(RolloutFile::threadId).containsExactly(FORK, T, T);
        assertThat(codex.calls).doesNotContain("fs/writeFile", "fs/remove");
    }

    @Test
    void aLineageNotFoundWholeIsAnErrorNotAPartialList() throws Exception {
        threadRevertedAndForked();
        Files.delete(codex.home.resolve("sessions").resolve(name(TODAY.minusDays(1), T + "_" + REVERT)));

        assertThatThrownBy(() -> ThreadLineage.export(client, FORK, null, TIMEOUT)).isInstanceOf(LineageException.class)
                .hasMessageContaining(name(TODAY.minusDays(1), T + "_" + REVERT)).hasMessageContaining("not in its folder");
    }

    @Test
    void aForkWhoseSourceCodexDoesNotKnowIsUnknownThread() throws Exception {
        threadRevertedAndForked();
        codex.threads.remove(T);

        assertThatThrownBy(() -> ThreadLineage.export(client, FORK, null, TIMEOUT)).isInstanceOfSatisfying(LineageException.class, e -> {
            assertThat(e.kind()).isEqualTo(FailureKind.UNKNOWN_THREAD);
            assertThat(e.threadId()).isEqualTo(FORK);
            assertThat(e).hasMessageContaining("a fork source of " + FORK);
        });
    }

    @Test
    void forkSourcesInACycleAreRefused() throws Exception {
        threadRevertedAndForked();
        codex.threads.get(T).put("forkedFromId", FORK);

        assertThatThrownBy(() -> ThreadLineage.export(client, FORK, null, TIMEOUT)).isInstanceOf(LineageException.class).hasMessageContaining("cycle");
    }

    @Test
    void aFileOfTheThreadNamedOtherwiseAndARolloutOutsideSessionsAreRefused() throws Exception {
        threadRevertedAndForked();
        codex.write(name(TODAY.minusDays(2), T) + ".zst", "compressed");
        assertThatThrownBy(() -> ThreadLineage.export(client, T, null, TIMEOUT)).isInstanceOf(LineageException.class)
                .hasMessageContaining(".jsonl.zst");

        codex.threads.get(FORK).put("path", codex.home.resolve("archived_sessions").resolve(name(TODAY, FORK)).toString());
        assertThatThrownBy(() -> ThreadLineage.export(client, FORK, null, TIMEOUT)).isInstanceOf(LineageException.class)
                .hasMessageContaining("is not under the app-server's " + codex.home.resolve("sessions"));
        assertThatThrownBy(() -> RolloutFile.of("../" + name(TODAY, FORK), new byte[1])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void exportWaitsUntilTheRolloutRecordsTheTurnsEnd() throws Exception {
        threadRevertedAndForked();
        String end = "{\"type\":\"event_msg\",\"payload\":{\"type\":\"task_complete\",\"turn_id\":\"turn-7\"}}\n";
        Path current = codex.home.resolve("sessions").resolve(name(TODAY.minusDays(1), T + "_" + REVERT));
        AtomicBoolean written = writtenAfterFirstRead(current, "after the revert\n" + end);

        List<RolloutFile> lineage = ThreadLineage.export(client, T, "turn-7", TIMEOUT);

        assertThat(written).as("the end written after the file was first read without it").isTrue();
        assertThat(new String(lineage.get(1).bytes(), StandardCharsets.UTF_8)).endsWith(end);
        assertThatThrownBy(() -> ThreadLineage.export(client, T, "turn-8", Duration.ofMillis(400))).isInstanceOf(LineageException.class)
                .hasMessageContaining("did not record the end of turn turn-8");
    }

    @Test
    void anInterruptedTurnsEndIsItsAbortAsCodexWritesIt() throws Exception {
        threadRevertedAndForked();
        // as codex 0.171.0 wrote it after turn/interrupt (root_turn_id names the turn too)
        String aborted = "{\"type\":\"event_msg\",\"payload\":{\"type\":\"turn_aborted\",\"root_turn_id\":\"turn-9\",\"turn_id\":"
                + "\"turn-9\",\"reason\":\"interrupted\"}}\n";
        codex.write(name(TODAY.minusDays(1), T + "_" + REVERT), "after the revert\n" + aborted);
        List<String> known = List.of(name(TODAY.minusDays(2), T), name(TODAY.minusDays(1), T + "_" + REVERT));

        List<RolloutFile> lineage = ThreadLineage.exportAfterTurn(client, T, "turn-9", known, TIMEOUT);

        assertThat(new String(lineage.get(1).bytes(), StandardCharsets.UTF_8)).endsWith(aborted);
        assertThatThrownBy(() -> ThreadLineage.export(client, T, "turn-10", Duration.ofMillis(400))).isInstanceOf(LineageException.class)
                .hasMessageContaining("did not record the end of turn turn-10");
    }

    @Test
    void afterATurnTheKnownFilesAreReadOnceAndCodexIsNotAskedWhichIsCurrentWhenTheNewestRecordsTheEnd() throws Exception {
        threadRevertedAndForked();
        String end = "{\"type\":\"event_msg\",\"payload\":{\"type\":\"task_complete\",\"turn_id\":\"turn-7\"}}\n";
        codex.write(name(TODAY.minusDays(1), T + "_" + REVERT), "after the revert\n" + end);
        List<String> known = List.of(name(TODAY.minusDays(2), T), name(TODAY.minusDays(1), T + "_" + REVERT));

        List<RolloutFile> lineage = ThreadLineage.exportAfterTurn(client, T, "turn-7", known, TIMEOUT);

        assertThat(lineage).extracting(RolloutFile::relativePath).containsExactlyElementsOf(known);
        assertThat(new String(lineage.get(1).bytes(), StandardCharsets.UTF_8)).endsWith(end);
        assertThat(codex.calls).containsExactly("fs/readFile", "fs/readFile");
    }

    @Test
    void afterATurnARevertSinceTheLastExportIsFoundByAskingCodex() throws Exception {
        threadRevertedAndForked();
        String end = "{\"type\":\"event_msg\",\"payload\":{\"type\":\"task_complete\",\"turn_id\":\"turn-7\"}}\n";
        // the first file recorded an earlier turn's end; the revert's file, not known yet, this one's
        codex.write(name(TODAY.minusDays(2), T), "first\n" + end.replace("turn-7", "turn-6"));
        codex.write(name(TODAY.minusDays(1), T + "_" + REVERT), "after the revert\n" + end);

        List<RolloutFile> lineage = ThreadLineage.exportAfterTurn(client, T, "turn-7", List.of(name(TODAY.minusDays(2), T)), TIMEOUT);

        assertThat(lineage).extracting(RolloutFile::relativePath)
                .containsExactly(name(TODAY.minusDays(2), T), name(TODAY.minusDays(1), T + "_" + REVERT));
        assertThat(new String(lineage.get(1).bytes(), StandardCharsets.UTF_8)).endsWith(end);
        assertThat(codex.calls).contains("thread/read", "fs/readDirectory");
    }

    @Test
    void afterATurnAKnownFileThatIsGoneMakesTheLineageBeLookedForAgain() throws Exception {
        threadRevertedAndForked();
        String end = "{\"type\":\"event_msg\",\"payload\":{\"type\":\"task_complete\",\"turn_id\":\"turn-7\"}}\n";
        codex.write(name(TODAY.minusDays(1), T + "_" + REVERT), "after the revert\n" + end);
        String gone = name(TODAY, T + "_" + OTHER);

        List<RolloutFile> lineage = ThreadLineage.exportAfterTurn(client, T, "turn-7",
                List.of(name(TODAY.minusDays(2), T), name(TODAY.minusDays(1), T + "_" + REVERT), gone), TIMEOUT);

        assertThat(lineage).extracting(RolloutFile::relativePath)
                .containsExactly(name(TODAY.minusDays(2), T), name(TODAY.minusDays(1), T + "_" + REVERT));
        assertThat(codex.calls).contains("thread/read", "fs/readDirectory");
    }

    @Test
    void afterATurnWhoseEndIsNotWrittenYetTheCurrentFileIsReadAgainUntilItIs() throws Exception {
        threadRevertedAndForked();
        String end = "{\"type\":\"event_msg\",\"payload\":{\"type\":\"task_complete\",\"turn_id\":\"turn-7\"}}\n";
        Path current = codex.home.resolve("sessions").resolve(name(TODAY.minusDays(1), T + "_" + REVERT));
        List<String> known = List.of(name(TODAY.minusDays(2), T), name(TODAY.minusDays(1), T + "_" + REVERT));
        AtomicBoolean written = writtenAfterFirstRead(current, "after the revert\n" + end);

        List<RolloutFile> lineage = ThreadLineage.exportAfterTurn(client, T, "turn-7", known, TIMEOUT);

        assertThat(written).as("the end written after the file was first read without it").isTrue();
        assertThat(lineage).extracting(RolloutFile::relativePath).containsExactlyElementsOf(known);
        assertThat(new String(lineage.get(1).bytes(), StandardCharsets.UTF_8)).endsWith(end);
        assertThat(codex.calls).contains("thread/read").doesNotContain("fs/readDirectory");
        assertThatThrownBy(() -> ThreadLineage.exportAfterTurn(client, T, "turn-8", known, Duration.ofMillis(400)))
                .isInstanceOf(LineageException.class).hasMessageContaining("did not record the end of turn turn-8");
    }

    /**
     * Writes {@code text} to {@code file} right after the library first read it, as codex writes a
     * turn's end a moment after it reports the turn: the read before the end is written is certain,
     * whatever the machine's pace.
     */
    private AtomicBoolean writtenAfterFirstRead(Path file, String text) {
        AtomicBoolean written = new AtomicBoolean();
        codex.afterRead = read -> {
            if (read.equals(file) && written.compareAndSet(false, true)) {
                try {
                    Files.writeString(file, text);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        return written;
    }

    /** Codex's first line of a rollout of {@code id}, forked from {@code source} (null: none). */
    static String meta(String id, String source) {
        return "{\"timestamp\":\"2026-11-26T07:00:09.566Z\",\"ordinal\":0,\"type\":\"session_meta\",\"payload\":{\"session_id\":\"" + id
                + "\",\"id\":\"" + id + "\"" + (source == null ? "" : ",\"forked_from_id\":\"" + source + "\"") + ",\"cli_version\":\"0.169.0\"}}\n";
    }

    static RolloutFile file(String path, String text) {
        return RolloutFile.of(path, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void importWritesEveryFileWholeReplacingWhatWasThereAndLeavesNoTemporaryFile() throws Exception {
        List<RolloutFile> lineage = List.of(file(name(TODAY, FORK), meta(FORK, T) + "fork\n"),
                file(name(TODAY.minusDays(2), T), meta(T, null) + "source\n"));
        codex.write(name(TODAY, FORK), meta(FORK, T) + "an older copy of the fork's own file, longer than the new one\n");

        ThreadLineage.importInto(client, FORK, lineage, TIMEOUT);

        assertThat(codex.filesUnderSessions()).extracting(p -> codex.home.resolve("sessions").relativize(p).toString())
                .containsExactlyInAnyOrder(name(TODAY, FORK), name(TODAY.minusDays(2), T));
        assertThat(codex.home.resolve("sessions").resolve(name(TODAY, FORK))).hasContent(meta(FORK, T) + "fork\n");
        assertThat(codex.home.resolve("sessions").resolve(name(TODAY.minusDays(2), T))).hasContent(meta(T, null) + "source\n");
        assertThat(codex.calls).contains("fs/createDirectory", "fs/writeFile", "fs/copy").doesNotContain("thread/read");
    }

    @Test
    void importRefusesAFileOfAnotherThreadThanItsOwnOrTheForkSourcesItRecordsAndWritesNothing() throws Exception {
        codex.write(name(TODAY, OTHER), meta(OTHER, null) + "another thread's history\n");
        RolloutFile own = file(name(TODAY, T), meta(T, null) + "turn\n");
        // a file at another thread's rollout path, the lineage recording no fork of it
        RolloutFile planted = file(name(TODAY, OTHER), meta(OTHER, null) + "forged history\n");

        assertThatThrownBy(() -> ThreadLineage.importInto(client, T, List.of(own, planted), TIMEOUT))
                .isInstanceOfSatisfying(LineageException.class, e -> assertThat(e.threadId()).isEqualTo(T))
                .hasMessageContaining(name(TODAY, OTHER)).hasMessageContaining("neither " + T + " nor a fork source")
                .hasMessageContaining("nothing was written");
        // a fork source recorded by the source's own file only counts once the thread's files lead to it
        RolloutFile selfDeclared = file(name(TODAY, OTHER), meta(OTHER, FORK) + "forged history\n");
        assertThatThrownBy(() -> ThreadLineage.importInto(client, T, List.of(own, selfDeclared), TIMEOUT))
                .isInstanceOf(LineageException.class).hasMessageContaining("neither " + T + " nor a fork source");

        assertThat(codex.calls).doesNotContain("fs/writeFile", "fs/copy", "fs/createDirectory");
        assertThat(codex.home.resolve("sessions").resolve(name(TODAY, OTHER))).hasContent(meta(OTHER, null) + "another thread's history\n");
    }

    @Test
    void importRefusesARolloutWhoseSessionMetaNamesAnotherThreadOrIsMissing() {
        // codex resumes the thread the first line names, whatever the file is called
        RolloutFile otherInside = file(name(TODAY, T), meta(OTHER, null) + "another thread's history\n");
        assertThatThrownBy(() -> ThreadLineage.importInto(client, T, List.of(otherInside), TIMEOUT)).isInstanceOf(LineageException.class)
                .hasMessageContaining("is thread " + OTHER + "'s").hasMessageContaining("nothing was written");
        RolloutFile revertOfOther = file(name(TODAY, T + "_" + REVERT), meta(OTHER, null) + "x\n");
        assertThatThrownBy(() -> ThreadLineage.requireOwn(T, List.of(file(name(TODAY, T), meta(T, null)), revertOfOther)))
                .isInstanceOf(LineageException.class).hasMessageContaining(name(TODAY, T + "_" + REVERT));
        for (String first : List.of("{\"type\":\"response_item\",\"payload\":{\"id\":\"" + T + "\"}}\n", "not json\n",
                "{\"type\":\"session_meta\",\"payload\":{\"id\":\"" + OTHER + "\",\"id\":\"" + T + "\"}}\n",
                "{\"type\":\"session_meta\",\"payload\":{\"id\":\"" + T + "\",\"forked_from_id\":\"../x\"}}\n", "")) {
            assertThatThrownBy(() -> ThreadLineage.requireOwn(T, List.of(file(name(TODAY, T), first + "turn\n"))))
                    .as(first).isInstanceOf(LineageException.class).hasMessageContaining(name(TODAY, T));
        }
        assertThat(codex.calls).doesNotContain("fs/writeFile", "fs/copy");
    }

    @Test
    void aForkSourcesFileOnTheAppServerIsKeptWhenItBeginsWithTheLineagesBytesAndNeverReplacedOtherwise() throws Exception {
        String source = meta(T, null) + "turn one\n";
        List<RolloutFile> lineage = List.of(file(name(TODAY, FORK), meta(FORK, T) + "fork\n"), file(name(TODAY.minusDays(2), T), source));
        // the source thread went on there after the fork: its longer file stays
        codex.write(name(TODAY.minusDays(2), T), source + "turn two, on this app-server\n");

        ThreadLineage.importInto(client, FORK, lineage, TIMEOUT);

        assertThat(codex.home.resolve("sessions").resolve(name(TODAY.minusDays(2), T))).hasContent(source + "turn two, on this app-server\n");
        assertThat(codex.home.resolve("sessions").resolve(name(TODAY, FORK))).hasContent(meta(FORK, T) + "fork\n");

        // a lineage that names a thread there as its fork source, with other bytes for it: refused, nothing written
        codex.calls.clear();
        codex.write(name(TODAY, OTHER), meta(OTHER, null) + "the other thread's own history\n");
        List<RolloutFile> forged = List.of(file(name(TODAY, T + "_" + REVERT), meta(T, OTHER) + "x\n"),
                file(name(TODAY, OTHER), meta(OTHER, null) + "forged history\n"));
        assertThatThrownBy(() -> ThreadLineage.importInto(client, T, forged, TIMEOUT)).isInstanceOf(LineageException.class)
                .hasMessageContaining("a fork source of " + T).hasMessageContaining("not replaced");
        assertThat(codex.home.resolve("sessions").resolve(name(TODAY, OTHER))).hasContent(meta(OTHER, null) + "the other thread's own history\n");
        assertThat(codex.home.resolve("sessions").resolve(name(TODAY, T + "_" + REVERT))).doesNotExist();
        assertThat(codex.calls).doesNotContain("fs/writeFile", "fs/copy");
    }

    @Test
    void aWriteThatDoesNotReadBackWholeFailsAndLeavesNothingUnderTheRealName() throws Exception {
        RolloutFile file = file(name(TODAY, T), meta(T, null) + "the whole rollout\n");
        codex.onWrite = path -> path.endsWith(".partial") ? cut() : UnaryOperator.identity();

        assertThatThrownBy(() -> ThreadLineage.importInto(client, T, List.of(file), TIMEOUT)).isInstanceOf(LineageException.class)
                .hasMessageContaining("reads back as 5 bytes");
        assertThat(codex.filesUnderSessions()).isEmpty();
        assertThat(codex.calls).doesNotContain("fs/copy");

        codex.onWrite = path -> path.endsWith(".jsonl") ? cut() : UnaryOperator.identity();
        assertThatThrownBy(() -> ThreadLineage.importInto(client, T, List.of(file), TIMEOUT)).isInstanceOf(LineageException.class)
                .hasMessageContaining(file.resolveIn(codex.home.resolve("sessions")).toString());
        assertThat(codex.filesUnderSessions()).isEmpty();
    }

    private static UnaryOperator<byte[]> cut() {
        return bytes -> java.util.Arrays.copyOf(bytes, 5);
    }

    @Test
    void importRefusesAFileBeyondTheCapOrNotItsDeclaredHashBeforeWritingIt() {
        RolloutFile huge = new RolloutFile(name(TODAY, T), ThreadLineage.MAX_FILE_BYTES + 1, "0".repeat(64), () -> {
            throw new AssertionError("a file beyond the cap is not read");
        });
        assertThatThrownBy(() -> ThreadLineage.importInto(client, T, List.of(huge), TIMEOUT)).isInstanceOfSatisfying(LineageException.class,
                e -> assertThat(e.kind()).isEqualTo(FailureKind.INVALID_INPUT));
        byte[] bytes = (meta(T, null) + "changed at its source\n").getBytes(StandardCharsets.UTF_8);
        RolloutFile lying = new RolloutFile(name(TODAY, T), bytes.length, "0".repeat(64), () -> new java.io.ByteArrayInputStream(bytes));
        assertThatThrownBy(() -> ThreadLineage.importInto(client, T, List.of(lying), TIMEOUT)).isInstanceOf(LineageException.class)
                .hasMessageContaining("nothing of it was written");
        assertThat(codex.calls).doesNotContain("fs/writeFile");
    }

    @Test
    void removeTakesExactlyTheLineagesFilesAndNoneWhenOneChanged() throws Exception {
        threadRevertedAndForked();
        List<RolloutFile> lineage = ThreadLineage.export(client, T, null, TIMEOUT);
        codex.write(name(TODAY.minusDays(1), T + "_" + REVERT), "written after the export\n");

        assertThatThrownBy(() -> ThreadLineage.remove(client, lineage, TIMEOUT)).isInstanceOf(LineageException.class)
                .hasMessageContaining("changed since it was exported");
        assertThat(codex.filesUnderSessions()).hasSize(4);

        ThreadLineage.remove(client, ThreadLineage.export(client, T, null, TIMEOUT), TIMEOUT);
        ThreadLineage.remove(client, lineage.subList(0, 1), TIMEOUT); // already gone: no error

        assertThat(codex.filesUnderSessions()).extracting(p -> p.getFileName().toString()).allMatch(n -> !n.contains(T)).hasSize(2);
        assertThat(codex.home.resolve("sessions").resolve(name(TODAY.minusDays(2), T)).getParent()).isDirectory();
    }

    @Test
    void restoreSetsTheNameAndThePausedGoalAndNothingForNull() {
        ThreadLineage.restore(client, T, "moving conversation", "answer twice", TIMEOUT);
        ThreadLineage.restore(client, T, null, null, TIMEOUT);

        assertThat(codex.nameAndGoalSets).hasSize(2);
        assertThat(codex.nameAndGoalSets.get(0).path("name").asText()).isEqualTo("moving conversation");
        assertThat(codex.nameAndGoalSets.get(1).path("objective").asText()).isEqualTo("answer twice");
        assertThat(codex.nameAndGoalSets.get(1).path("status").asText()).isEqualTo("paused");
        assertThatThrownBy(() -> ThreadLineage.restore(client, "not-a-thread", "n", null, TIMEOUT)).isInstanceOf(IllegalArgumentException.class);
    }
}
