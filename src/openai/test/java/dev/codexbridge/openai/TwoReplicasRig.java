package dev.codexbridge.openai;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;

/**
 * Two replicas of the door, each with its own codex and home, on one store folder and one scripted
 * model: what the classes that move a conversation between replicas share.
 */
abstract class TwoReplicasRig {
    Path dir;
    ScriptedModelServer model;
    CodexClient codexOfA;
    CodexClient codexOfB;
    DiskConversationStore storeOfA;
    DiskConversationStore storeOfB;
    OpenAiServer a;
    OpenAiServer b;

    /** Starts both; replica A's door sees its store through {@code asASeesIt} (a store that fails on demand, say). */
    void startReplicas(String name, UnaryOperator<ConversationStore> asASeesIt) throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        dir = TestDirs.create(name);
        Path work = Files.createDirectories(dir.resolve("work"));
        model = ScriptedModelServer.start();
        codexOfA = OpenAiReplicasLiveTest.codex(Files.createTempDirectory(dir, "home-a"), model);
        codexOfB = OpenAiReplicasLiveTest.codex(Files.createTempDirectory(dir, "home-b"), model);
        storeOfA = DiskConversationStore.open(dir.resolve("store"));
        storeOfB = DiskConversationStore.open(dir.resolve("store"));
        a = OpenAiReplicasLiveTest.door(codexOfA, asASeesIt.apply(storeOfA), "replica-a", work);
        b = OpenAiReplicasLiveTest.door(codexOfB, storeOfB, "replica-b", work);
    }

    @AfterEach
    void stopReplicas() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, storeOfA, storeOfB, codexOfA, codexOfB, model}) {
            if (c != null) {
                c.close();
            }
        }
        if (dir != null) {
            TestDirs.delete(dir);
        }
    }
}
