package dev.codexbridge.cli;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code threads list --store} and {@code threads read ID --store}: a store's conversations, read without codex. */
class ThreadsStoreTest {
    private static final String ALICE = "01a216bb-0000-7000-8000-00000000000a";
    private static final String BOB = "01a216bb-0000-7000-8000-00000000000b";
    private static final String MINE = "01a216bb-0000-7000-8000-00000000000c";

    @TempDir
    Path tmp;

    private Path storeWithThree() {
        Path dir = tmp.resolve("store");
        try (DiskConversationStore store = DiskConversationStore.open(dir)) {
            put(store, StoredConversation.builder(ALICE, lineage(ALICE, "alice's rollout")).owner(new ConversationOwner("alice", "alice"))
                    .name("plans\u001b[2J").goal("ship it").lastCompletedTurnId("turn-1").build());
            put(store, StoredConversation.builder(BOB, lineage(BOB, "bob's")).owner(new ConversationOwner("bob", "acme")).build());
            put(store, StoredConversation.builder(MINE, lineage(MINE, "a run's")).build());
        }
        return dir;
    }

    private static List<RolloutFile> lineage(String threadId, String text) {
        return List.of(RolloutFile.of("2026/11/25/rollout-2026-11-25T03-05-19-" + threadId + ".jsonl",
                ("{\"text\":\"" + text + "\"}\n").getBytes(StandardCharsets.UTF_8)));
    }

    private static void put(DiskConversationStore store, StoredConversation c) {
        ConversationLease lease = store.lease(c.threadId(), "test", Duration.ofMinutes(2));
        store.put(lease, c);
        store.release(lease);
    }

    @Test
    void listsTheStoresConversationsInThreadIdOrderWithoutCodex() {
        Path dir = storeWithThree();
        String[] r = run("threads", "list", "--store", dir.toString(), "--codex-bin", "/nonexistent/codex");
        assertThat(r[0]).as("codex is not started: its options are refused").isEqualTo("2");
        assertThat(r[2]).contains("--store is read without codex");

        String[] listed = run("threads", "list", "--store", dir.toString());
        assertThat(listed[0]).as(listed[2]).isEqualTo("0");
        List<String> lines = listed[1].lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith(ALICE + "  ").contains("  v1  ").contains(" B  alice  plans\\u001b[2J");
        assertThat(lines.get(1)).startsWith(BOB + "  ").endsWith("  bob (tenant acme)  -");
        assertThat(lines.get(2)).startsWith(MINE + "  ").endsWith("  -  -");

        String[] paged = run("threads", "list", "--store", dir.toString(), "--limit", "2");
        assertThat(paged[1].lines()).hasSize(2);
        assertThat(paged[2]).contains("more conversations: --cursor " + BOB);
        String[] rest = run("threads", "list", "--store", dir.toString(), "--cursor", BOB);
        assertThat(rest[1].lines().toList()).singleElement().asString().startsWith(MINE);
    }

    @Test
    void listsAsJson() {
        String[] r = run("threads", "list", "--store", storeWithThree().toString(), "--json");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode data = Json.parse(r[1]).path("data");
        assertThat(data).hasSize(3);
        assertThat(data.get(0).path("threadId").asText()).isEqualTo(ALICE);
        assertThat(data.get(0).path("owner").path("principal").asText()).isEqualTo("alice");
        assertThat(data.get(0).path("name").asText()).isEqualTo("plans\u001b[2J");
        assertThat(data.get(2).path("owner").isNull()).isTrue();
        assertThat(Json.parse(r[1]).path("nextCursor").isNull()).isTrue();
    }

    @Test
    void readsAStoredConversationsRecordAndFiles() {
        Path dir = storeWithThree();
        String[] r = run("threads", "read", ALICE, "--store", dir.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1].lines()).contains("thread: " + ALICE, "owner: alice", "name: plans\\u001b[2J", "goal: ship it", "version: 1",
                "last completed turn: turn-1", "left awake on: -", "rollouts: 1, 27 B");
        assertThat(r[1]).contains("  2026/11/25/rollout-2026-11-25T03-05-19-" + ALICE + ".jsonl  27 B  sha256 ");

        JsonNode json = Json.parse(run("threads", "read", BOB, "--store", dir.toString(), "--json")[1]);
        assertThat(json.path("owner").path("tenant").asText()).isEqualTo("acme");
        assertThat(json.path("lineage").get(0).path("size").asLong()).isEqualTo(17);

        String[] missing = run("threads", "read", "01a216bb-0000-7000-8000-0000000000ff", "--store", dir.toString());
        assertThat(missing[0]).isEqualTo("1");
        assertThat(missing[2]).contains("the store holds no conversation 01a216bb-0000-7000-8000-0000000000ff");
        String[] turns = run("threads", "read", ALICE, "--store", dir.toString(), "--turns");
        assertThat(turns[0]).isEqualTo("2");
        String[] cwd = run("threads", "list", "--store", dir.toString(), "--cwd", tmp.toString());
        assertThat(cwd[0]).isEqualTo("2");
    }
}
