package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A lineage names only files codex writes under {@code sessions/}, and a conversation's record holds together. */
class RolloutFileTest {
    private static final String ID = "01a210aa-3466-72e1-89d7-8701000635a2";
    private static final String REVERT = "01a210aa-372f-7550-b822-df455b2329fd";

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {
            "2026/11/25/rollout-2026-11-25T03-05-19-" + ID + ".jsonl",
            "2026/11/25/rollout-2026-11-25T03-05-20-" + ID + "_" + REVERT + ".jsonl"})
    void codexsOwnNamesAreTaken(String path) {
        RolloutFile file = RolloutFile.of(path, "{}\n".getBytes(StandardCharsets.UTF_8));
        assertThat(file.threadId()).isEqualTo(ID);
        assertThat(file.size()).isEqualTo(3);
        assertThat(file.sha256()).isEqualTo("ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356");
        assertThat(RolloutFile.isRolloutPath(path)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "../2026/11/25/rollout-2026-11-25T03-05-19-" + ID + ".jsonl",
            "/2026/11/25/rollout-2026-11-25T03-05-19-" + ID + ".jsonl",
            "sessions/2026/11/25/rollout-2026-11-25T03-05-19-" + ID + ".jsonl",
            "2026/11/../25/rollout-2026-11-25T03-05-19-" + ID + ".jsonl",
            "2026\\11\\25\\rollout-2026-11-25T03-05-19-" + ID + ".jsonl",
            "2026/11/24/rollout-2026-11-25T03-05-19-" + ID + ".jsonl",
            "2026/11/25/rollout-2026-11-25T03-05-19-" + "01A210AA-3466-72E1-89D7-8701000635A2" + ".jsonl",
            "2026/11/25/rollout-2026-11-25T03-05-19-" + ID + ".jsonl.bak",
            "2026/11/25/rollout-2026-11-25T03-05-19-" + ID + "_x.jsonl",
            "2026/11/25/auth.json",
            ""})
    void anythingElseIsRefused(String path) {
        assertThat(RolloutFile.isRolloutPath(path)).isFalse();
        assertThatThrownBy(() -> RolloutFile.of(path, new byte[1])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSizeOrHashThatCannotBeIsRefused() {
        String path = Lineages.ownPath(ID);
        assertThatThrownBy(() -> new RolloutFile(path, -1, "0".repeat(64), RolloutSource.of(new byte[0])))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RolloutFile(path, 0, "A".repeat(64), RolloutSource.of(new byte[0])))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFileOfACodexHomeIsReadUnderItsPathBelowSessionsAndWrittenBackThere() throws Exception {
        Path sessions = tmp.resolve("home-a").resolve("sessions");
        Path file = sessions.resolve(Lineages.ownPath(ID));
        Files.createDirectories(file.getParent());
        byte[] bytes = Lineages.jsonl(10_000, 1);
        Files.write(file, bytes);

        RolloutFile read = RolloutFile.read(sessions, file);

        assertThat(read.relativePath()).isEqualTo(Lineages.ownPath(ID));
        assertThat(read).isEqualTo(RolloutFile.of(Lineages.ownPath(ID), bytes));
        assertThat(read.bytes()).isEqualTo(bytes);
        assertThat(read.resolveIn(tmp.resolve("home-b").resolve("sessions")))
                .isEqualTo(tmp.resolve("home-b").resolve("sessions").resolve("2026").resolve("11").resolve("25")
                        .resolve("rollout-2026-11-25T03-05-19-" + ID + ".jsonl"));
    }

    @Test
    void aConversationHoldsAtLeastOneFileOfItsOwnThreadEachOnce() {
        RolloutFile own = RolloutFile.of(Lineages.ownPath(ID), new byte[] {1});
        RolloutFile forkSource = RolloutFile.of(Lineages.ownPath(REVERT), new byte[] {2});
        assertThat(StoredConversation.builder(ID, List.of(forkSource, own)).build().lineageBytes()).isEqualTo(2);

        assertThatThrownBy(() -> StoredConversation.builder(ID, List.of()).build()).hasMessageContaining("no rollout file");
        assertThatThrownBy(() -> StoredConversation.builder(ID, List.of(forkSource)).build()).hasMessageContaining("thread " + ID + "'s own");
        assertThatThrownBy(() -> StoredConversation.builder(ID, List.of(own, own)).build()).hasMessageContaining("twice");
        assertThatThrownBy(() -> StoredConversation.builder(ID.toUpperCase(), List.of(own)).build()).hasMessageContaining("not a thread id");
        assertThatThrownBy(() -> StoredConversation.builder(ID, List.of(own)).version(-1).build()).hasMessageContaining("negative version");
        assertThatThrownBy(() -> new ConversationOwner("", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void capsOutsideTheirRangeAreRefused() {
        assertThatThrownBy(() -> new StoreLimits(StoreLimits.MAX_LINEAGE_BYTES + 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StoreLimits(1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StoreLimits(1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(StoreLimits.DEFAULTS.maxLineageBytes()).isEqualTo(128L << 20);
    }
}
