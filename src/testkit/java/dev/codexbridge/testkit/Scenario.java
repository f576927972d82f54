package dev.codexbridge.testkit;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnResult;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * One recorded interaction with codex, used both to record a fixture from the real binary and to
 * replay it without one. {@link #prepare} scripts the model and codex's home (recording only);
 * {@link #session} and {@link #drive} are shared, so the replay exercises exactly the client
 * code that produced the recording; {@link #verify} checks what must hold either way.
 */
public abstract class Scenario {
    /** What a scenario's driver gets: sessions bound to a recording or a replay, and the mode. */
    public interface Context {
        /** A new session (a new codex connection), configured by the scenario and then {@code tweak}. */
        CodexSession open(UnaryOperator<CodexSession.Builder> tweak);

        /** The model server while recording; null in a replay. */
        @Nullable ScriptedModelServer model();

        /** The working directory (a temp folder when recording, {@code /work} in a replay). */
        Path work();

        default boolean live() {
            return model() != null;
        }
    }

    public abstract String name();

    public abstract String description();

    /** Scripts the model's replies and codex's config (recording only). */
    public void prepare(ScriptedModelServer model, IsolatedCodexHome.Builder home, Path work) {
    }

    /** Connection settings shared by recording and replay (the experimental API, say). */
    public CodexClient.Builder connection(CodexClient.Builder builder) {
        return builder;
    }

    /** Session settings shared by recording and replay (approvals, dynamic tools, limits). */
    public CodexSession.Builder session(CodexSession.Builder builder) {
        return builder;
    }

    /** Runs the turns. */
    public abstract List<TurnResult> drive(Context context) throws Exception;

    /** What must hold of the results, recorded or replayed; throws {@link AssertionError} otherwise. */
    public void verify(List<TurnResult> results) {
    }

    protected static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }
}
