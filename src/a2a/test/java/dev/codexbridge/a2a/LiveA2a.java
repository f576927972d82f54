package dev.codexbridge.a2a;

import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.gateway.CodexGateway;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assumptions;

/**
 * The server under test: the real pinned codex (one shared app-server, {@code -DskipLiveTests}
 * turns these tests off) on the test kit's scripted model, two principals, every message sent to
 * codex checked against its schema on close.
 */
final class LiveA2a implements AutoCloseable {
    static final String ALICE = "alice-token-0123456789";
    static final String BOB = "bob-token-0123456789ab";

    final ScriptedModelServer model;
    private final Path tmp;
    private final WireSchema.Recorder wire = new WireSchema.Recorder();
    private CodexClient codex;
    A2aServer server;
    /** Settings of the server beyond the test's defaults, applied on each boot. */
    Consumer<A2aServer.Builder> serverSettings = b -> { };
    /** The host's side of the gateway (its policy; whether callers answer), applied on each boot: callers answer by default here. */
    Consumer<CodexGateway.Builder> gatewaySettings = b -> b.callerApprovals(true);

    LiveA2a(Path tmp) {
        Assumptions.assumeFalse(dev.codexbridge.suitecheck.LiveTests.skipped(), "live tests skipped by -DskipLiveTests");
        this.tmp = tmp;
        this.model = ScriptedModelServer.start();
    }

    /** (Re)starts codex with a home of its own (on-request approvals, then {@code homeSettings}) and the server in front of it. */
    LiveA2a boot(Consumer<IsolatedCodexHome.Builder> homeSettings, A2aLimits limits) throws Exception {
        return boot(homeSettings, limits, null);
    }

    /** As {@link #boot(Consumer, A2aLimits)}, calls without a token acting as {@code anonymous} (when not null). */
    LiveA2a boot(Consumer<IsolatedCodexHome.Builder> homeSettings, A2aLimits limits, String anonymous) throws Exception {
        closeAll(server, codex);
        Path work = Files.createDirectories(tmp.resolve("work"));
        IsolatedCodexHome.Builder h = IsolatedCodexHome.builder(Files.createTempDirectory(tmp, "home"), model.baseUrl()).askForApproval("on-request");
        homeSettings.accept(h);
        codex = CodexClient.builder().process(CodexLaunch.appServer(new CodexLocator().locate(null).binary()).codexHome(h.write()).build())
                .wireTap(wire).connect();
        CodexClient shared = codex;
        A2aServer.Builder b = A2aServer.builder().tokens(BearerTokens.of(Map.of(ALICE, "alice", BOB, "bob"))).anonymous(anonymous).limits(limits)
                .gateway(gateway(CodexGateway.builder().client(shared)
                        .configure(s -> s.cwd(work).limits(TurnLimits.of(Duration.ofSeconds(90), Duration.ZERO)))));
        serverSettings.accept(b);
        server = b.start();
        return this;
    }

    private CodexGateway gateway(CodexGateway.Builder b) {
        gatewaySettings.accept(b);
        return b.build();
    }

    /** The folder every context's thread runs in. */
    Path workspace() {
        return tmp.resolve("work");
    }

    @Override
    public void close() {
        closeAll(server, codex, model);
        if (codex != null) {
            assertThat(wire.sent()).isNotEmpty();
            assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent to codex matches its schema").isEmpty();
        }
    }

    static void closeAll(AutoCloseable... all) {
        for (AutoCloseable c : all) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing the rest matters more
            }
        }
    }
}
