package dev.codexbridge.readme;

// docs/embedding.md#remote:BEGIN
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.transport.CodexEndpoint;
import dev.codexbridge.transport.EndpointStatus;
import java.nio.file.Path;
import java.time.Duration;

/** One turn on an app-server that already runs: codex app-server --listen ws://127.0.0.1:4500 --ws-auth … */
public final class RemoteCodexHost {
    public static String ask(String url, Path tokenFile, Path workspace, String prompt) {
        CodexEndpoint endpoint = CodexEndpoint.parse(url)            // ws://, wss://, unix://PATH
                .tokenFile(tokenFile);                                // or .token(() -> vault.read())
        EndpointStatus ready = endpoint.readiness(Duration.ofSeconds(2)); // GET /readyz, no credentials
        if (!ready.ok()) {
            throw new IllegalStateException("codex app-server is not ready: " + ready.detail());
        }
        try (CodexClient codex = CodexClient.builder().connect(endpoint);
             CodexSession session = CodexSession.builder().client(codex).cwd(workspace).build()) {
            return session.runTurn(TurnInput.text(prompt)).finalText();
        }                                                             // the app-server keeps running
    }
}
// docs/embedding.md#remote:END
