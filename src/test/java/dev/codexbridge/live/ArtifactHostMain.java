package dev.codexbridge.live;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import java.nio.file.Path;

/**
 * A host process for {@link CodexArtifactLiveTest}, started with a PATH that has no Node, no
 * CODEX_BIN and no install folder: where the library finds codex on its own, and a turn on it.
 * Lines on stdout: {@code FOUND source binary ms}, {@code AGAIN ms}, {@code ANSWER status text}.
 *
 * <p>Arguments: CODEX_HOME, then the working directory.
 */
public final class ArtifactHostMain {
    private ArtifactHostMain() {
    }

    public static void main(String[] args) {
        long t0 = System.nanoTime();
        CodexLocator.Located located = new CodexLocator().locate(null);
        long first = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("FOUND " + located.source() + " " + located.binary() + " " + first);
        t0 = System.nanoTime();
        new CodexLocator().locate(null);
        System.out.println("AGAIN " + (System.nanoTime() - t0) / 1_000_000);
        // located again as codex starts, as a host that names no binary gets it
        try (CodexSession session = CodexSession.builder()
                .connection(CodexClient.builder().process(CodexLaunch.appServer().codexHome(Path.of(args[0])).build()).options())
                .cwd(Path.of(args[1]))
                .build()) {
            TurnResult r = session.runTurn(TurnInput.text("Say hello."));
            System.out.println("ANSWER " + r.status() + " " + r.finalText());
        }
    }
}
