package dev.codexbridge.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a disk store's door records read back is treated as hostile: a record file replaced by a
 * link, or by a FIFO, is refused at once and never followed or waited on; a record copied under
 * another record's name counts as none.
 */
class DiskDoorRecordsTamperTest {
    @TempDir
    Path tmp;
    private DiskConversationStore store;

    @org.junit.jupiter.api.AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private static String fileName(String kind, String key) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest((kind + '\0' + key).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest) + ".rec";
    }

    private DoorRecords records() {
        store = DiskConversationStore.open(tmp.resolve("store"));
        return store.doorRecords(DoorRecords.DEFAULT_WINDOW, 100).orElseThrow();
    }

    @Test
    void aLinkInPlaceOfARecordIsRefusedNotFollowed() throws Exception {
        DoorRecords records = records();
        records.put("openai.response", "resp_1", "mine".getBytes(StandardCharsets.UTF_8));
        Path file = tmp.resolve("store/.doors").resolve(fileName("openai.response", "resp_1"));
        Path elsewhere = Files.writeString(tmp.resolve("secret"), "not the store's");
        Files.delete(file);
        Files.createSymbolicLink(file, elsewhere);

        assertThatThrownBy(() -> records.get("openai.response", "resp_1")).isInstanceOf(ConversationStoreException.class)
                .hasMessageContaining("door record");
    }

    @Test
    void aFifoInPlaceOfARecordIsRefusedWithoutWaiting() throws Exception {
        DoorRecords records = records();
        records.put("openai.response", "resp_2", "mine".getBytes(StandardCharsets.UTF_8));
        Path file = tmp.resolve("store/.doors").resolve(fileName("openai.response", "resp_2"));
        Files.delete(file);
        Process mkfifo = new ProcessBuilder("mkfifo", file.toString()).start();
        assertThat(mkfifo.waitFor()).isZero();

        // a read that opened it would wait for a writer forever; the test's own timeout is the guard
        assertThatThrownBy(() -> records.get("openai.response", "resp_2")).isInstanceOf(ConversationStoreException.class);
    }

    @Test
    void aRecordCopiedUnderAnotherRecordsNameCountsAsNone() throws Exception {
        DoorRecords records = records();
        records.put("openai.response", "resp_alice", "alice's".getBytes(StandardCharsets.UTF_8));
        records.put("openai.response", "resp_bob", "bob's".getBytes(StandardCharsets.UTF_8));
        Path doors = tmp.resolve("store/.doors");
        Files.copy(doors.resolve(fileName("openai.response", "resp_alice")), doors.resolve(fileName("openai.response", "resp_bob")),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertThat(records.get("openai.response", "resp_bob")).as("it names alice's record").isEmpty();
        assertThat(records.get("openai.response", "resp_alice")).hasValueSatisfying(v -> assertThat(new String(v, StandardCharsets.UTF_8))
                .isEqualTo("alice's"));
    }
}
