package dev.codexbridge.readme;

// docs/runtime.md:BEGIN
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.runtime.RuntimeGate;
import dev.codexbridge.runtime.RuntimeSwitch;
import dev.codexbridge.runtime.StateStore;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Routes a conversation to codex while the runtime is on; a flip closes the cached sessions. */
final class RuntimeRouting {
    private final Map<String, CodexSession> sessions = new ConcurrentHashMap<>();
    private final CodexLaunch codex;
    private final RuntimeSwitch runtime;

    RuntimeRouting(StateStore store, Path mcpJson, Path codexHome) {
        codex = CodexLaunch.appServer().codexHome(codexHome).build();   // the switch and the sessions run the same codex
        runtime = RuntimeSwitch.builder().stateStore(store).hostConfigFile(mcpJson)
                .launch(codex)                                          // optional; else the located codex, $CODEX_HOME
                .onChange(state -> closeSessions())                     // after a committed flip
                .build();
    }

    /** Codex's answer, or empty while the runtime is off (the host answers itself). */
    Optional<TurnResult> turn(String conversation, Path workspace, String text) throws InterruptedException {
        if (!runtime.isEnabled()) {
            return Optional.empty();
        }
        try (RuntimeGate.TurnPermit permit = RuntimeGate.shared().enterTurn()) {  // no flip while the turn runs
            CodexSession session = sessions.computeIfAbsent(conversation, id -> CodexSession.builder()
                    .connection(CodexClient.builder().process(codex).options())
                    .cwd(workspace)
                    .build());
            return Optional.of(session.runTurn(TurnInput.text(text)));
        }
    }

    private void closeSessions() {
        sessions.values().forEach(CodexSession::close);
        sessions.clear();
    }
}
// docs/runtime.md:END
