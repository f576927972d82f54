package dev.codexbridge.cli;

import static dev.codexbridge.support.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.a2a.ContextStore;
import dev.codexbridge.a2a.StoredContext;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.PostgresServer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code a2a --store jdbc:postgresql://...} keeps its contexts in the store's database, where
 * another replica on the same database finds them (decision 0071): without it, each replica kept
 * them in its own memory and a context's next message on another replica was a new context.
 */
@ExtendWith(PostgresServer.Extension.class)
class A2aContextsInTheStoreTest {
    @TempDir
    java.nio.file.Path tmp;

    @Test
    void withADatabaseStoreAContextSavedByOneReplicaIsFoundByAnother(PostgresServer postgres) throws Exception {
        String url = postgres.newDatabase();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (OrderlyStop one = new OrderlyStop("a2a", quiet); OrderlyStop two = new OrderlyStop("a2a", quiet)) {
            ContextStore a = contexts(url, "replica-a", one);
            ContextStore b = contexts(url, "replica-b", two);
            a.save(new StoredContext("ctx-1", "alice", "thread-1", List.of(), System.currentTimeMillis()));
            assertThat(b.context("alice", "ctx-1")).map(StoredContext::threadId).contains("thread-1");
            assertThat(b.ownerOfThread("thread-1")).contains("alice");
        }
    }

    @Test
    void contextsInAFolderBesideADatabaseStoreAreRefused() {
        String[] r = run("a2a", "--listen", "127.0.0.1:0", "--contexts", tmp.resolve("contexts").toString(),
                "--store", "jdbc:postgresql://db.invalid/app");
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("--contexts keeps contexts on this machine, but with --store jdbc:postgresql://... they live in the "
                + "store's database");
    }

    private static ContextStore contexts(String url, String holder, OrderlyStop stop) {
        A2aCommand command = new A2aCommand();
        new CommandLine(command).parseArgs("--listen", "127.0.0.1:0", "--store", url, "--store-holder", holder);
        ConversationStorage storage = command.storage.open("a2a", stop);
        return command.contextStore(storage, stop);
    }
}
