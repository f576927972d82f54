package dev.codexbridge.springai;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ClientOptions;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assumptions;

/** The real pinned codex (found through -Dcodexbridge.codexDir) on the test kit's scripted model, in a throw-away home. */
final class LiveCodex implements AutoCloseable {
    final ScriptedModelServer model = ScriptedModelServer.start();
    final Path home;
    final Path work;

    LiveCodex(Path dir, Consumer<IsolatedCodexHome.Builder> settings) throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        IsolatedCodexHome.Builder h = IsolatedCodexHome.builder(dir.resolve("home"), model.baseUrl());
        settings.accept(h);
        this.home = h.write();
        this.work = Files.createDirectories(dir.resolve("work"));
    }

    ClientOptions connection() {
        return CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).codexHome(home).build())
                .options();
    }

    /** A chat model on this codex, turns bounded to a minute. */
    CodexChatModel.Builder chatModel() {
        return CodexChatModel.builder().connection(connection()).cwd(work).limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO));
    }

    @Override
    public void close() {
        model.close();
    }
}
