package dev.codexbridge.readme;

// README.md#shapes:BEGIN
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantHomeSetup;
import dev.codexbridge.transport.CodexEndpoint;
import java.nio.file.Path;
import java.time.Duration;

/** The four ways to run codex under a host, side by side. */
final class DeploymentShapes {
    /** Own process (the default): the session starts codex on stdio and restarts it if it dies. */
    static CodexSession ownProcess(Path repo) {
        return CodexSession.builder().cwd(repo).build();
    }

    /** Shared: one codex process, many conversations; a dead codex is restarted and every thread resumed. */
    static CodexClient sharedCodex() {
        return CodexClient.builder().reconnect(ReconnectPolicy.DEFAULT).maxThreads(500).connect();
    }

    static CodexSession conversation(CodexClient shared, Path repo) {
        return CodexSession.builder().client(shared).cwd(repo).build();
    }

    /** Remote: app-servers listening on WebSockets (docs/deploy), sessions placed by a pool. */
    static CodexPool remotePool(Path tokenFile) {
        return CodexPool.builder()
                .endpoint("codex-0", CodexEndpoint.parse("wss://codex-0.internal:4500").tokenFile(tokenFile))
                .endpoint("codex-1", CodexEndpoint.parse("wss://codex-1.internal:4500").tokenFile(tokenFile))
                .build();
    }

    static CodexSession conversation(CodexPool pool, Path repo) {
        return pool.newSession(session -> session.cwd(repo));
    }

    /** Tenants: a codex home and process(es) per user, started on demand, stopped when idle. */
    static CodexTenants tenants(Path homesRoot, String configToml) {
        return CodexTenants.builder().homesRoot(homesRoot).homeSetup(TenantHomeSetup.configToml(configToml))
                .maxProcesses(40).idleTimeout(Duration.ofMinutes(10)).build();
    }

    static CodexSession conversation(CodexTenants tenants, String user, Path repo) {
        return tenants.newSession(user, session -> session.cwd(repo));
    }
}
// README.md#shapes:END
