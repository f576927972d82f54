package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.support.FakeCodexSessions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 73, item 4: the push configs a shared store keeps are sealed with the operator's key
 * (decision 0104). Through the door, on a real PostgreSQL and a fake codex: the row holds none of
 * the webhook URL's, token's or credentials' bytes, and another replica with the key opens it; a
 * row changed, copied onto another task (another principal's among them) or sealed with a key the
 * server was not given is left out, the answer a normal one that shows nothing of it; a new key
 * seals while the old one still opens; an earlier release's clear-text rows are removed when the
 * store opens and never read; without a key, a shared store keeps no push config at all.
 */
@ExtendWith(PostgresServer.Extension.class)
class SealedPushConfigsTest {
    private static final String ALICE = "alice-token-0123456789";
    private static final String BOB = "bob-token-0123456789ab";
    private static final String URL_SECRET = "hook-path-capability-0xCAFE";
    private static final String TOKEN_SECRET = "notification-token-0xBEEF";
    private static final String CREDENTIAL_SECRET = "hook-credential-0xF00D";

    @RegisterExtension
    final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.client);
    private final FakeCodex codex = fake.codex();
    private final List<A2aServer> servers = new ArrayList<>();
    private HikariDataSource pool;
    private CodexClient client;

    @BeforeEach
    void database(PostgresServer postgres) throws Exception {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(postgres.newDatabase());
        c.setMaximumPoolSize(6);
        pool = new HikariDataSource(c);
        codex.scriptDelayMs = 0;
        codex.distinctThreads = true;
        codex.onThreadTurnStart = (thread, turn) -> codex.completeThreadTurn(thread, turn, "completed");
        client = CodexClient.builder().transport(codex.factory()).connect();
    }

    @AfterEach
    void close() {
        servers.forEach(A2aServer::close);
        pool.close();
    }

    /** A replica named {@code name} on the shared store, with these keys (none: null). */
    private RawA2a replica(String name, @Nullable SealingKeys keys) {
        CodexGateway gateway = CodexGateway.builder().client(client).configure((p, b) -> b.cwd(Path.of("/w"))).build();
        A2aServer server = A2aServer.builder().tokens(BearerTokens.of(Map.of(ALICE, "alice", BOB, "bob")))
                .push(PushOptions.DEFAULTS.allowingPrivateAddresses()).pushSecretKeys(keys)
                .contexts(ContextStore.postgres(pool, name, 100)).sessions(SessionSource.of(gateway)).start();
        servers.add(server);
        return new RawA2a(server.uri());
    }

    private static String task(RawA2a a2a, String token) throws Exception {
        JsonNode sent = a2a.rpc(token, "SendMessage", RawA2a.send("hello", null, null, false));
        assertThat(sent.at("/result/task/status/state").asText()).as("%s", sent).isEqualTo("TASK_STATE_COMPLETED");
        return sent.at("/result/task/id").asText();
    }

    private static JsonNode setConfig(RawA2a a2a, String token, String taskId, String id) throws Exception {
        ObjectNode p = A2aWire.object().put("taskId", taskId).put("id", id).put("url", "https://hooks.example/" + URL_SECRET + "/" + id)
                .put("token", TOKEN_SECRET);
        p.putObject("authentication").put("scheme", "Bearer").put("credentials", CREDENTIAL_SECRET);
        return a2a.rpc(token, "CreateTaskPushNotificationConfig", p);
    }

    private static JsonNode list(RawA2a a2a, String token, String taskId) throws Exception {
        JsonNode r = a2a.rpc(token, "ListTaskPushNotificationConfigs", A2aWire.object().put("taskId", taskId));
        assertThat(r.has("result")).as("answered: %s", r).isTrue();
        return r.at("/result/configs");
    }

    /** Every push row as the database has it, each column as text. */
    private List<String> rawRows() throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT task_id, config_id, config FROM codex_a2a_push ORDER BY seq")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
            }
        }
        return rows;
    }

    private void sql(String statement, String... params) throws Exception {
        try (Connection c = pool.getConnection(); PreparedStatement s = c.prepareStatement(statement)) {
            for (int i = 0; i < params.length; i++) {
                s.setString(i + 1, params[i]);
            }
            s.execute();
        }
    }

    private List<PushConfig> opened(SealingKeys keys, String taskId) {
        PostgresContextStore store = (PostgresContextStore) ContextStore.postgres(pool, "reader", 100);
        return new PushSeals(keys).open(store.board().pushConfigs(List.of(taskId))).getOrDefault(taskId, List.of());
    }

    @Test
    void aPushConfigIsSealedAtRestAndOpensOnAnotherReplicaWithTheKey() throws Exception {
        SealingKeys keys = SealingKeys.parse(SealingKeys.newKey());
        RawA2a a = replica("replica-a", keys);
        RawA2a b = replica("replica-b", keys);
        String taskId = task(a, ALICE);
        assertThat(setConfig(a, ALICE, taskId, "p1").has("result")).isTrue();

        List<String> rows = rawRows();
        assertThat(rows).hasSize(1);
        String row = rows.get(0);
        assertThat(row).startsWith(taskId + " p1 sealed:1:" + keys.sealingKeyId() + ":");
        for (String secret : List.of(URL_SECRET, TOKEN_SECRET, CREDENTIAL_SECRET, "hooks.example")) {
            assertThat(row).as("the database holds none of the config's bytes").doesNotContain(secret)
                    .doesNotContain(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)).substring(0, 12));
        }

        JsonNode onB = list(b, ALICE, taskId);
        assertThat(onB).hasSize(1);
        assertThat(onB.at("/0/url").asText()).isEqualTo("https://hooks.example/" + URL_SECRET + "/p1");
        assertThat(onB.at("/0/token").asText()).isEqualTo(TOKEN_SECRET);
        assertThat(onB.at("/0/authentication/scheme").asText()).isEqualTo("Bearer");
        assertThat(onB.toString()).as("credentials are never read back").doesNotContain(CREDENTIAL_SECRET);
        assertThat(opened(keys, taskId)).singleElement().satisfies(c -> {
            assertThat(c.credentials()).isEqualTo(CREDENTIAL_SECRET);
            assertThat(c.token()).isEqualTo(TOKEN_SECRET);
        });
    }

    @Test
    void aRowChangedMovedOrSealedWithAnotherKeyIsLeftOutAndShowsNothing() throws Exception {
        SealingKeys keys = SealingKeys.parse(SealingKeys.newKey());
        RawA2a a = replica("replica-a", keys);
        String alices = task(a, ALICE);
        String alicesOther = task(a, ALICE);
        String bobs = task(a, BOB);
        assertThat(setConfig(a, ALICE, alices, "p1").has("result")).isTrue();
        assertThat(setConfig(a, ALICE, alicesOther, "p2").has("result")).isTrue();
        assertThat(setConfig(a, BOB, bobs, "b1").has("result")).isTrue();

        // alice's sealed config copied onto bob's task under bob's config's id, and onto her other task
        sql("UPDATE codex_a2a_push SET config = (SELECT config FROM codex_a2a_push WHERE config_id = 'p1') WHERE config_id = 'b1'");
        sql("INSERT INTO codex_a2a_push (task_id, config_id, config) SELECT ?, 'p1', config FROM codex_a2a_push WHERE config_id = 'p1'",
                alicesOther);
        JsonNode bobsList = list(a, BOB, bobs);
        assertThat(bobsList).as("alice's config does not open on bob's task").isEmpty();
        assertThat(list(a, ALICE, alicesOther)).as("nor on her other task: only its own").extracting(c -> c.path("id").asText())
                .containsExactly("p2");
        JsonNode get = a.rpc(BOB, "GetTaskPushNotificationConfig", A2aWire.object().put("taskId", bobs).put("id", "b1"));
        assertThat(get.at("/error/code").asInt()).as("%s", get).isEqualTo(-32001);
        assertThat(get.toString() + bobsList).doesNotContain(URL_SECRET).doesNotContain(TOKEN_SECRET).doesNotContain("sealed");

        // one byte of the sealed value changed
        sql("UPDATE codex_a2a_push SET config = overlay(config placing (CASE WHEN substr(config, 40, 1) = 'A' THEN 'B' ELSE 'A' END)"
                + " from 40 for 1) WHERE config_id = 'p2' AND task_id = ?", alicesOther);
        assertThat(list(a, ALICE, alicesOther)).as("changed: not used").isEmpty();

        // another replica given only another key: answers, uses nothing
        RawA2a other = replica("replica-other", SealingKeys.parse(SealingKeys.newKey()));
        assertThat(list(other, ALICE, alices)).isEmpty();
        assertThat(list(a, ALICE, alices)).as("still opens with its key").extracting(c -> c.path("id").asText()).containsExactly("p1");
    }

    @Test
    void aNewKeySealsWhileTheOldOneStillOpens() throws Exception {
        String oldKey = SealingKeys.newKey();
        String newKey = SealingKeys.newKey();
        SealingKeys before = SealingKeys.parse(oldKey);
        SealingKeys rotated = SealingKeys.parse(newKey + "\n" + oldKey);
        SealingKeys after = SealingKeys.parse(newKey);
        RawA2a a = replica("replica-a", before);
        String taskId = task(a, ALICE);
        assertThat(setConfig(a, ALICE, taskId, "p1").has("result")).isTrue();

        RawA2a b = replica("replica-b", rotated);
        assertThat(list(b, ALICE, taskId)).extracting(c -> c.path("id").asText()).containsExactly("p1");
        assertThat(setConfig(b, ALICE, taskId, "p2").has("result")).isTrue();
        assertThat(rawRows()).satisfiesExactly(r -> assertThat(r).contains(" p1 sealed:1:" + before.sealingKeyId() + ":"),
                r -> assertThat(r).contains(" p2 sealed:1:" + after.sealingKeyId() + ":"));
        assertThat(list(b, ALICE, taskId)).extracting(c -> c.path("id").asText()).containsExactly("p1", "p2");
        assertThat(opened(after, taskId)).extracting(PushConfig::id).containsExactly("p2");
        assertThat(opened(before, taskId)).extracting(PushConfig::id).containsExactly("p1");

        // p1 set again through a replica with the new key first: sealed with it, so the old key can go
        assertThat(setConfig(b, ALICE, taskId, "p1").has("result")).isTrue();
        assertThat(opened(after, taskId)).extracting(PushConfig::id).containsExactlyInAnyOrder("p1", "p2");
    }

    @Test
    void clearRowsOfAnEarlierReleaseAreRemovedWhenTheStoreOpensAndNeverRead() throws Exception {
        SealingKeys keys = SealingKeys.parse(SealingKeys.newKey());
        RawA2a a = replica("replica-a", keys);
        String taskId = task(a, ALICE);
        String clear = "{\"id\":\"old\",\"taskId\":\"" + taskId + "\",\"url\":\"https://hooks.example/" + URL_SECRET
                + "\",\"token\":\"" + TOKEN_SECRET + "\",\"scheme\":\"Bearer\",\"credentials\":\"" + CREDENTIAL_SECRET + "\",\"version\":\"V1_0\"}";
        sql("INSERT INTO codex_a2a_push (task_id, config_id, config) VALUES (?, 'old', ?)", taskId, clear);
        assertThat(list(a, ALICE, taskId)).as("a clear row (an older replica's, or anyone's) is not used").isEmpty();

        ContextStore.postgres(pool, "replica-b", 100);
        assertThat(rawRows()).as("removed when a store opens").isEmpty();
    }

    @Test
    void withoutAKeyASharedStoreKeepsNoPushConfig() throws Exception {
        RawA2a a = replica("replica-a", null);
        String taskId = task(a, ALICE);
        JsonNode refused = setConfig(a, ALICE, taskId, "p1");
        assertThat(refused.at("/error/code").asInt()).as("%s", refused).isEqualTo(-32003);
        assertThat(rawRows()).isEmpty();
        JsonNode card = A2aWire.JSON.readTree(servers.get(0).agentCardJson(true));
        assertThat(card.at("/capabilities/pushNotifications").asBoolean(true)).as("the card says so").isFalse();
    }
}
