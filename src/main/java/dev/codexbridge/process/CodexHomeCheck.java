package dev.codexbridge.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checks, before codex starts, that the {@code CODEX_HOME} it will use is a folder it can write:
 * codex keeps its state database, sessions and logs there and otherwise fails within a
 * millisecond with a dozen lines of database errors and a backtrace. The check writes and deletes
 * one empty file, so it holds for root too (for whom permission bits say nothing).
 */
final class CodexHomeCheck {
    private CodexHomeCheck() {
    }

    /**
     * Throws a {@link CodexProcessException} saying what is wrong and how to fix it when the
     * folder {@code env} gives codex is missing, not a folder or not writable. The default
     * {@code ~/.codex} may be missing: codex creates it.
     */
    static void require(Map<String, String> env, boolean givenByLaunch) {
        String set = env.get("CODEX_HOME");
        boolean explicit = set != null && !set.isBlank();
        String userHome = env.getOrDefault("HOME", System.getProperty("user.home"));
        if (!explicit && (userHome == null || userHome.isBlank())) {
            return;     // codex works out its home itself
        }
        Path home = explicit ? Path.of(set) : Path.of(userHome, ".codex");
        String source = givenByLaunch ? "CODEX_HOME " + home + " (CodexLaunch...codexHome(..))"
                : explicit ? "CODEX_HOME " + home + " (from the environment)" : "codex's default home " + home;
        if (!Files.exists(home)) {
            if (explicit) {
                throw failure(source + " does not exist; codex does not create a CODEX_HOME it is given", "create the folder");
            }
            return;
        }
        if (!Files.isDirectory(home)) {
            throw failure(source + " is not a folder", "give codex a folder");
        }
        try {
            Path probe = Files.createTempFile(home, ".codex-bridge-write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw failure(source + " is not writable (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")",
                    "make it writable for the user running codex (" + System.getProperty("user.name") + ")");
        }
    }

    private static CodexProcessException failure(String what, String firstFix) {
        return new CodexProcessException(what + ".\n"
                + "codex keeps its config, state database, sessions and logs there, and fails at once without them. Fix it with one of:\n"
                + "  - " + firstFix + "\n"
                + "  - give codex another folder: CodexLaunch.appServer(..).codexHome(dir), or the CODEX_HOME environment variable\n"
                + "  - in a test, IsolatedCodexHome.builder(dir, model.baseUrl()).write() makes a fresh one\n"
                + "(docs/embedding.md, \"Finding codex\")");
    }
}
