package dev.codexbridge.openai;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/**
 * The real pinned codex on the scripted model, as the live tests of the caller's tools and approvals run
 * it: asking for approval on request in a read-only sandbox, its experimental API on (the caller's
 * function tools are codex's dynamic tools), behind a gateway whose callers answer approvals, working in
 * {@link #work()}. Closes what it started.
 */
record LiveCodex(Path dir, Path work, ScriptedModelServer model, CodexClient codex, CodexGateway gateway) implements AutoCloseable {

    /** Starts them in a folder named after {@code name}; skips the class under {@code -DskipLiveTests}. */
    static LiveCodex start(String name) throws Exception {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        Path dir = TestDirs.create(name);
        Path work = Files.createDirectories(dir.resolve("work"));
        ScriptedModelServer model = ScriptedModelServer.start();
        CodexClient codex = null;
        try {
            Path home = IsolatedCodexHome.builder(Files.createTempDirectory(dir, "home"), model.baseUrl()).askForApproval("on-request")
                    .sandboxMode("read-only").write();
            codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).codexHome(home).build())
                    .experimentalApi(true).connect();
            CodexGateway gateway = CodexGateway.builder().client(codex).callerApprovals(true)
                    .configure(b -> b.cwd(work).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO))).build();
            return new LiveCodex(dir, work, model, codex, gateway);
        } catch (Exception | Error e) {
            if (codex != null) {
                codex.close();
            }
            model.close();
            TestDirs.delete(dir);
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        try {
            codex.close();
        } finally {
            model.close();
            TestDirs.delete(dir);
        }
    }
}
