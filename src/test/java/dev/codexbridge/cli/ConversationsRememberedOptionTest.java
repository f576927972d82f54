package dev.codexbridge.cli;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.a2a.ContextStore;
import dev.codexbridge.a2a.StoredContext;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The doors' bound on what they remember per conversation is the operator's to set (issue 80):
 * {@code --conversations-remembered} bounds the A2A contexts kept in memory (and the tenants',
 * the gateway's and the OpenAI door's records, through their builders), {@code --replay-streams}
 * the MCP door's kept streams; a bound below 1 is refused before anything starts.
 */
class ConversationsRememberedOptionTest {
    @Test
    void theA2aContextsInMemoryAreAsManyAsTheDoorRemembers() throws Exception {
        A2aCommand command = new A2aCommand();
        new CommandLine(command).parseArgs("--listen", "127.0.0.1:0", "--conversations-remembered", "2");
        try (OrderlyStop stop = new OrderlyStop("a2a", new PrintStream(OutputStream.nullOutputStream()))) {
            ContextStore contexts = command.contextStore(null, stop);
            for (int i = 1; i <= 3; i++) {
                contexts.save(new StoredContext("ctx-" + i, "alice", "thread-" + i, List.of(), i));
            }
            assertThat(contexts.context("alice", "ctx-1")).as("the least recently changed, forgotten").isEmpty();
            assertThat(contexts.ownerOfThread("thread-1")).isEmpty();
            assertThat(contexts.context("alice", "ctx-3")).isPresent();
        }
        A2aCommand byDefault = new A2aCommand();
        new CommandLine(byDefault).parseArgs("--listen", "127.0.0.1:0");
        assertThat(byDefault.callerCodex.remembered()).isEqualTo(100_000);
    }

    @Test
    void aBoundBelowOneIsRefusedByEveryDoorBeforeAnythingStarts() {
        for (List<String> args : List.of(List.of("a2a", "--listen", "127.0.0.1:0", "--conversations-remembered", "0"),
                List.of("openai", "--listen", "127.0.0.1:0", "--conversations-remembered", "-1"),
                List.of("mcp", "--http", "127.0.0.1:0", "--conversations-remembered", "0"))) {
            String[] r = run(args.toArray(String[]::new));
            assertThat(r[0]).as("%s", args).isEqualTo("1");
            assertThat(r[2]).as("%s", args).contains("--conversations-remembered must be at least 1");
        }
        String[] r = run("mcp", "--http", "127.0.0.1:0", "--replay-streams", "0");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("--replay-streams must be at least 1");
    }
}
