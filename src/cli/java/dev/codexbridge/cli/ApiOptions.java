package dev.codexbridge.cli;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.SecretRedactor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import picocli.CommandLine.Option;

/** Options of the commands that ask codex one or two questions ({@code threads}, {@code models}, {@code account}). */
final class ApiOptions {
    @Option(names = "--codex-bin", description = "codex binary (default: CODEX_BIN, the project-local install, PATH).")
    Path codexBin;

    @Option(names = "--codex-home", description = "CODEX_HOME for codex (default: inherited, i.e. ~/.codex).")
    Path codexHome;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Limit on each request to codex (default: ${DEFAULT-VALUE}).",
            defaultValue = "30")
    long timeoutSeconds;

    @Option(names = "--json", description = "Print codex's typed result as JSON.")
    boolean json;

    /**
     * Connects to codex, hands the client to {@code body} and returns its exit code; a failure
     * (no codex, codex died, an error answer) goes to stderr as one line with exit code 1, and a
     * second naming the tested codex version when the one connected to is newer.
     */
    int call(String command, Function<CodexClient, Integer> body) {
        if (timeoutSeconds <= 0) {
            System.err.println("codex-bridge " + command + ": --timeout must be positive");
            return 2;
        }
        try (CodexClient client = CodexClient.builder()
                .process(CodexLaunch.appServer(PinnedCodex.locateOrInstall(codexBin, System.err))
                        .codexHome(codexHome).name("codex-cli").build())
                .requestTimeout(Duration.ofSeconds(timeoutSeconds)).connect()) {
            return body.apply(client);
        } catch (CodexException e) {
            // codex's messages can quote user data or its own stderr: keep them to one safe line
            System.err.println("codex-bridge " + command + ": " + ApiText.escapeLines(SecretRedactor.redact(e.getMessage())));
            NewerCodexNote.after(System.err);
            return 1;
        }
    }
}
