package dev.codexbridge.readme;

// docs/testing.md#concurrent:BEGIN
import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two conversations at once on one codex: each model request is answered by what it asks. */
class ConcurrentConversationsTest {
    @TempDir
    Path tmp;

    /** Routes by the user's words, not by arrival order: "list …" runs ls first, anything else is echoed. */
    private static ModelReply reply(RecordedRequest request) {
        String asked = request.lastUserText().orElse("");
        String callId = "ls-" + Math.abs(asked.hashCode());           // one per conversation
        if (asked.startsWith("list") && request.functionCallOutput(callId).isEmpty()) {
            return ModelReply.builder().execCommand(callId, "ls").build();
        }
        return ModelReply.message("you said: " + asked);
    }

    @Test
    void twoConversationsAtOnceEachGetTheirOwnReplies() throws Exception {
        try (ScriptedModelServer model = ScriptedModelServer.start().respondWhenEmpty(ConcurrentConversationsTest::reply)) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            Path work = Files.createDirectories(tmp.resolve("work"));
            Files.writeString(work.resolve("notes.txt"), "x");
            try (CodexClient codex = CodexClient.builder()
                    .process(CodexLaunch.appServer().codexHome(home).build()).connect();
                 CodexSession a = CodexSession.builder().client(codex).cwd(work).build();
                 CodexSession b = CodexSession.builder().client(codex).cwd(work).build()) {
                CompletableFuture<TurnResult> listing =
                        a.runTurnAsync(TurnInput.text("list the files"), TurnOptions.DEFAULTS, TurnListener.NONE);
                CompletableFuture<TurnResult> greeting =
                        b.runTurnAsync(TurnInput.text("hello"), TurnOptions.DEFAULTS, TurnListener.NONE);
                assertThat(listing.get().finalText()).isEqualTo("you said: list the files");
                assertThat(listing.get().messages()).anySatisfy(m -> assertThat(m.content()).contains("notes.txt"));
                assertThat(greeting.get().finalText()).isEqualTo("you said: hello");
            }
            assertThat(model.unscriptedRequests()).isZero();            // every request found its reply
        }
    }
}
// docs/testing.md#concurrent:END
