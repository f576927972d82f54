package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.PostgresServer;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code codex-bridge run --store jdbc:postgresql://…} on the real codex and a real PostgreSQL
 * whose role must log in with its password: the credentials come from the environment (and a
 * file), never the command line; a run's conversation is in the store when the command has
 * ended, with its lease given back and its codex home's copy removed, and
 * {@code run --resume ID} on another codex home wakes it with its history.
 */
@ExtendWith(PostgresServer.Extension.class)
class RunCommandStoreLiveTest {
    private static final String PASSWORD = "pw-only-in-the-environment-7";

    @TempDir
    Path tmp;

    @Test
    void aRunsConversationWakesOnAnotherCodexHomeFromPostgres(PostgresServer postgres) throws Exception {
        LiveCodex.binary();
        String url = postgres.passwordOwner(postgres.newDatabase(), "run_store", PASSWORD);
        Path passwordFile = Files.writeString(tmp.resolve("store-password"), PASSWORD + "\n");
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path homeA = IsolatedCodexHome.builder(tmp.resolve("home-a"), model.baseUrl()).write();
            Path homeB = IsolatedCodexHome.builder(tmp.resolve("home-b"), model.baseUrl()).write();
            Path work = Files.createDirectories(tmp.resolve("work"));

            String[] wrong = cli(Map.of("CODEX_BRIDGE_STORE_USER", "run_store", "CODEX_BRIDGE_STORE_PASSWORD", "not-" + PASSWORD),
                    "run", "hello", "--codex-home", homeA.toString(), "--cwd", work.toString(), "--store", url);
            assertThat(wrong[0]).as(wrong[2]).isEqualTo("2");
            assertThat(wrong[2].strip()).startsWith("codex-bridge run: --store " + url + ": the database cannot be used: ")
                    .contains("password authentication failed").doesNotContain(PASSWORD).doesNotContain("\tat ");

            model.enqueue(ModelReply.message("kept: heliotrope"), ModelReply.message("the word was heliotrope"));
            String[] first = cli(Map.of("CODEX_BRIDGE_STORE_USER", "run_store", "CODEX_BRIDGE_STORE_PASSWORD", PASSWORD),
                    "run", "remember the word heliotrope", "--codex-home", homeA.toString(), "--cwd", work.toString(), "--json",
                    "--store", url);
            assertThat(first[0]).as(first[2]).isEqualTo("0");
            JsonNode one = Json.parse(first[1].strip());
            String threadId = one.path("threadId").asText();
            try (PostgresConversationStore store = PostgresConversationStore.builder().jdbcUrl(url).username("run_store")
                    .password(PASSWORD).build()) {
                StoredConversation stored = store.get(threadId).orElseThrow();
                assertThat(stored.lastCompletedTurnId()).isEqualTo(one.path("turnId").asText());
                assertThat(stored.owner()).as("a run's conversation is no caller's").isNull();
                assertThat(ConversationStorage.lastAwakeOn(stored)).as("stored by the close's sleep").isEmpty();
                store.release(store.lease(threadId, "another host", Duration.ofMinutes(2)));
            }
            assertThat(rollouts(homeA, threadId)).as("home A let go of it once stored").isEmpty();

            // PostgreSQL's own variable for the user, the password from a file
            String[] second = cli(Map.of("PGUSER", "run_store"), "run", "which word?", "--resume", threadId, "--codex-home", homeB.toString(),
                    "--cwd", work.toString(), "--json", "--store", url, "--store-password-file", passwordFile.toString());
            assertThat(second[0]).as(second[2]).isEqualTo("0");
            assertThat(Json.parse(second[1].strip()).path("threadId").asText()).isEqualTo(threadId);
            List<RecordedRequest> requests = model.responsesRequests();
            assertThat(requests.get(requests.size() - 1).bodyJson()).as("home B's codex sent the conversation's history")
                    .contains("remember the word heliotrope").contains("kept: heliotrope").contains("which word?");
        }
    }

    /** {@code [exit code, stdout, stderr]} of {@code codex-bridge args...} in a JVM of its own with {@code environment} added. */
    private String[] cli(Map<String, String> environment, String... args) throws Exception {
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(),
                "-Dcodexbridge.codexDir=" + System.getProperty("codexbridge.codexDir"), "dev.codexbridge.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.startsWith("CODEX_BRIDGE_STORE_") || k.startsWith("PG"));
        pb.environment().putAll(environment);
        Path err = Files.createTempFile(tmp, "stderr", ".txt");
        Process p = pb.redirectError(err.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        return new String[] {Integer.toString(p.exitValue()), new String(out, StandardCharsets.UTF_8), Files.readString(err)};
    }

    private static List<Path> rollouts(Path home, String threadId) throws Exception {
        try (Stream<Path> files = Files.walk(home)) {
            return files.filter(f -> f.getFileName().toString().endsWith(threadId + ".jsonl")).toList();
        }
    }
}
