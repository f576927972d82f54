package dev.codexbridge.readme;

// docs/session.md#shared:BEGIN
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ModelListParams;
import dev.codexbridge.protocol.ModelListResponse;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import java.nio.file.Path;

/** Two conversations on one codex process, and the connection's own requests and events. */
final class TwoConversationsOneCodex {
    static void run(Path binary, Path home, Path repoA, Path repoB) {
        try (CodexClient codex = CodexClient.builder()
                .process(CodexLaunch.appServer(binary).codexHome(home).build())
                .connect()) {
            codex.subscribe(event -> System.err.println(event.method() + " " + event.threadId()));   // between turns too
            ModelListResponse models = codex.modelList(ModelListParams.builder().build());
            System.err.println(models.data().size() + " models");
            try (CodexSession a = CodexSession.builder().client(codex).cwd(repoA).build();
                 CodexSession b = CodexSession.builder().client(codex).cwd(repoB).build()) {
                a.runTurn(TurnInput.text("fix the build"));
                b.runTurn(TurnInput.text("write the release notes"));
            }
        }
    }
}
// docs/session.md#shared:END
