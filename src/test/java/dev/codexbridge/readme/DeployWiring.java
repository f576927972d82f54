package dev.codexbridge.readme;

import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** docs/deploy/README.md: the host's store, pool and discovery wired together at its start. */
final class DeployWiring {
    private DeployWiring() {
    }

    static PodDiscovery start(String namespace) throws IOException {
        // docs/deploy/README.md#wiring:BEGIN
        Path token = Path.of("/var/run/codex-auth/token");
        String service = "codex-app-server." + namespace + ".svc.cluster.local";
        PostgresConversationStore store = PoolHost.store(Path.of("/var/run/codex-store"));
        CodexPool pool = PoolHost.connect(PodDiscovery.resolve(service, 4500), token, store,
                System.getenv("HOSTNAME"));                                   // this host's pod name
        PodDiscovery discovery = new PodDiscovery(pool, service, 4500, token, Duration.ofSeconds(10));
        // docs/deploy/README.md#wiring:END
        return discovery;
    }
}
