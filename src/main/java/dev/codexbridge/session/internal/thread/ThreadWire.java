package dev.codexbridge.session.internal.thread;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.DynamicToolSpec;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.internal.ApiAccess;
import dev.codexbridge.tool.DynamicTool;
import java.util.List;

/**
 * What a session's thread is opened with on the wire: the host's {@code settings}, the same as
 * {@code opened} (codex told to unload the thread as soon as no one follows it when the session
 * hibernates, {@link SessionHibernation#opening}), and the dynamic tools' specs. Immutable.
 */
record ThreadWire(ThreadOptions settings, ThreadOptions opened, List<DynamicToolSpec> toolSpecs) {
    static ThreadWire of(ThreadOptions settings, ThreadOptions opened, List<DynamicTool> tools) {
        return new ThreadWire(settings, opened, tools.stream().map(t -> Json.convert(t.spec(), DynamicToolSpec.class)).toList());
    }

    /** What {@code thread/start} sends. */
    JsonNode startParams() {
        return ApiAccess.get().startParams(opened, toolSpecs);
    }

    /**
     * What a resume sends: after a dropped connection to a running app-server ({@code loadedThere}), not the unload delay.
     * Codex kept the thread loaded (its delay is the re-attach window), and a resume of a loaded thread that carries config
     * waits, in 25 ms steps, for it to take effect: 1,000 such resumes after a drop took 16.6 s against 3.3 s without
     * (bin/bench density). A thread that was unloaded meanwhile (a drop longer than the window) gets codex's default delay.
     */
    ThreadOptions resumeSettings(boolean loadedThere) {
        return loadedThere ? settings : opened;
    }
}
