package dev.codexbridge.readme;

// docs/deploy/README.md:BEGIN
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.transport.CodexEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The host's side of docs/deploy: one pool endpoint per pod of the codex-app-server StatefulSet. */
public final class PoolHost {
    /** ws://codex-app-server-N.codex-app-server.NAMESPACE.svc.cluster.local:4500 for each pod. */
    public static List<String> podUrls(String namespace, int replicas) {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            urls.add("ws://codex-app-server-" + i + ".codex-app-server." + namespace + ".svc.cluster.local:4500");
        }
        return urls;
    }

    /** tokenFile: the codex-app-server-auth Secret's token, mounted into the host's pod too. */
    public static CodexPool connect(List<String> podUrls, Path tokenFile) {
        CodexPool.Builder pool = CodexPool.builder()
                .maxThreadsPerEndpoint(16)                 // threads one pod serves at once
                .sharedCodexHome(false)                    // each pod has its own CODEX_HOME volume
                .healthInterval(Duration.ofSeconds(5));    // GET /readyz of every pod
        for (int i = 0; i < podUrls.size(); i++) {
            pool.endpoint("codex-app-server-" + i, CodexEndpoint.parse(podUrls.get(i))
                    .tokenFile(tokenFile)
                    .allowPlaintextRemote(true));          // in-cluster ws:// behind a NetworkPolicy; wss:// with a mesh
        }
        return pool.build();
    }

    /**
     * After a restart the host has nothing but the conversation's thread id: the pool finds the
     * pod that holds the thread, and a turn still running there is followed to its end.
     */
    public static CodexSession reopen(CodexPool pool, String threadId, Path workspace, TurnListener ui, Consumer<TurnResult> onEnd) {
        CodexSession session = pool.resumeSession(threadId, s -> s.cwd(workspace));
        session.runningTurnId().ifPresent(turn -> session.attachTurnAsync(turn, ui).thenAccept(onEnd));
        return session;
    }
}
// docs/deploy/README.md:END
