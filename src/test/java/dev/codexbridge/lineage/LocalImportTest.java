package dev.codexbridge.lineage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.store.RolloutFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An import written straight into a codex home this host shares: whole files under their names, and never through a link. */
class LocalImportTest {
    private static final String T = "0199a213-81c0-7800-8aa1-bbab2a035a53";
    private static final String SOURCE = "0199a213-81c0-7800-8aa1-bbab2a035a54";
    private static final String OWN = "2026/11/25/rollout-2026-11-25T03-05-19-" + T + ".jsonl";
    private static final String FORK_SOURCE = "2026/11/24/rollout-2026-11-24T03-05-19-" + SOURCE + ".jsonl";

    @TempDir
    Path tmp;
    private Path sessions;
    private Path elsewhere;

    @BeforeEach
    void homes() throws IOException {
        sessions = Files.createDirectories(tmp.resolve("home/sessions"));
        elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    }

    private static RolloutFile file(String path, String text) {
        return RolloutFile.of(path, text.getBytes(StandardCharsets.UTF_8));
    }

    private List<Path> partials() throws IOException {
        try (Stream<Path> all = Files.walk(tmp)) {
            return all.filter(p -> p.getFileName().toString().endsWith(".partial")).toList();
        }
    }

    @Test
    void theLineageIsWrittenUnderItsNamesReplacingTheThreadsOwnFileAndNoPartialFileStays() throws IOException {
        Path own = sessions.resolve(OWN);
        Files.createDirectories(own.getParent());
        Files.writeString(own, "stale\n");

        LocalImport.write(sessions, T, List.of(file(OWN, "{\"turn\":1}\n{\"turn\":2}\n"), file(FORK_SOURCE, "{\"source\":1}\n")));

        assertThat(own).hasContent("{\"turn\":1}\n{\"turn\":2}\n");
        assertThat(sessions.resolve(FORK_SOURCE)).hasContent("{\"source\":1}\n");
        assertThat(partials()).isEmpty();
    }

    @Test
    void aLinkOnTheWayRefusesTheImportAndNothingIsWrittenWhereItPoints() throws IOException {
        Files.createSymbolicLink(sessions.resolve("2026"), elsewhere);

        assertThatThrownBy(() -> LocalImport.write(sessions, T, List.of(file(OWN, "{\"turn\":1}\n"))))
                .isInstanceOf(LineageException.class).hasMessageContaining("is a link").hasMessageContaining("nothing was written");

        try (Stream<Path> there = Files.walk(elsewhere)) {
            assertThat(there.filter(p -> !p.equals(elsewhere)).toList()).as("the link's target").isEmpty();
        }
        assertThat(partials()).isEmpty();
    }

    @Test
    void aLinkDeeperDownRefusesTheImportBeforeTheFirstFileIsWritten() throws IOException {
        Files.createDirectories(sessions.resolve("2026/11"));
        Files.createSymbolicLink(sessions.resolve("2026/11/25"), elsewhere);

        // the fork source's folder is fine and comes first: still nothing of the lineage is written
        assertThatThrownBy(() -> LocalImport.write(sessions, T, List.of(file(FORK_SOURCE, "{\"source\":1}\n"), file(OWN, "{\"turn\":1}\n"))))
                .isInstanceOf(LineageException.class).hasMessageContaining("is a link");
        assertThat(sessions.resolve(FORK_SOURCE)).doesNotExist();
        assertThat(elsewhere).isEmptyDirectory();
    }

    @Test
    void aLinkUnderTheFilesOwnNameIsReplacedNotWrittenThrough() throws IOException {
        Path target = elsewhere.resolve("host-file");
        Files.writeString(target, "the host's own\n");
        Path own = sessions.resolve(OWN);
        Files.createDirectories(own.getParent());
        Files.createSymbolicLink(own, target);

        LocalImport.write(sessions, T, List.of(file(OWN, "{\"turn\":1}\n")));

        assertThat(Files.isSymbolicLink(own)).isFalse();
        assertThat(Files.isRegularFile(own, LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(own).hasContent("{\"turn\":1}\n");
        assertThat(target).hasContent("the host's own\n");
    }

    @Test
    void aForkSourceThatWentOnThereIsKeptAndOneWithOtherBytesRefusesBeforeAnythingIsWritten() throws IOException {
        Path source = sessions.resolve(FORK_SOURCE);
        Files.createDirectories(source.getParent());
        Files.writeString(source, "{\"source\":1}\n{\"source\":2}\n");

        LocalImport.write(sessions, T, List.of(file(FORK_SOURCE, "{\"source\":1}\n"), file(OWN, "{\"turn\":1}\n")));
        assertThat(source).as("that thread went on there: kept").hasContent("{\"source\":1}\n{\"source\":2}\n");

        Files.delete(sessions.resolve(OWN));
        Files.writeString(source, "{\"other\":1}\n");
        assertThatThrownBy(() -> LocalImport.write(sessions, T, List.of(file(FORK_SOURCE, "{\"source\":1}\n"), file(OWN, "{\"turn\":1}\n"))))
                .isInstanceOf(LineageException.class).hasMessageContaining("a fork source of " + T).hasMessageContaining("other bytes");
        assertThat(source).hasContent("{\"other\":1}\n");
        assertThat(sessions.resolve(OWN)).doesNotExist();
    }
}
