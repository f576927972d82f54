package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.StoredConversation;
import dev.codexbridge.support.ChildJvm;
import dev.codexbridge.support.LiveCodex;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code codex-bridge mcp --store DIR} on stdio: the {@code codex} tool's conversation is in the
 * store as the local user's once the client has gone (end of input), stored by its close, with
 * its lease given back.
 */
class McpCommandStoreLiveTest {
    @TempDir
    Path tmp;

    @Test
    void aConversationIsStoredAsTheLocalUsersWhenTheClientGoes() throws Exception {
        LiveCodex.binary();
        Path store = tmp.resolve("store");
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(),
                "-Dcodexbridge.codexDir=" + System.getProperty("codexbridge.codexDir"), "dev.codexbridge.cli.Main", "mcp", "--offline-demo",
                "--workspace", tmp.toString(), "--store", store.toString()));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String threadId;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             Writer in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            in.write("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                    + "\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}\n");
            in.write("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
            in.write("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"codex\",\"arguments\":{\"prompt\":\"hello store\"}}}\n");
            in.flush();
            JsonNode answer = null;
            while (answer == null) {
                String line = out.readLine();
                assertThat(line).as("the server stopped before answering the call").isNotNull();
                JsonNode m = Json.parse(line);
                if (m.path("id").asInt() == 2) {
                    answer = m;
                }
            }
            assertThat(answer.at("/result/content/0/text").asText()).contains("you said \"hello store\"");
            threadId = answer.at("/result/structuredContent/threadId").asText();
        }
        // the client went (end of input): the command ends, storing the conversation as it closes
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the command ends with its input").isTrue();
        try (DiskConversationStore stored = DiskConversationStore.open(store)) {
            StoredConversation c = stored.get(threadId).orElseThrow();
            assertThat(c.owner()).isEqualTo(ConversationOwner.of("local"));
            assertThat(ConversationStorage.lastAwakeOn(c)).as("stored by the close's sleep").isEmpty();
            assertThat(c.lineage().stream().map(f -> new String(f.bytes(), StandardCharsets.UTF_8)).collect(Collectors.joining()))
                    .contains("hello store");
            stored.release(stored.lease(threadId, "another host", Duration.ofMinutes(2)));
        }
    }
}
