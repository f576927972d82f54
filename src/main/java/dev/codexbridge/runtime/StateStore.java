package dev.codexbridge.runtime;

import dev.codexbridge.CodexException;
import dev.codexbridge.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/** Where the runtime switch keeps its state; a host can plug in its own (its config, a database). */
public interface StateStore {
    Optional<RuntimeState> load();

    void save(RuntimeState state);

    /** A small JSON file, written atomically (default {@code $XDG_CONFIG_HOME/codex-bridge/runtime.json}). */
    static StateStore file(Path file) {
        return new StateStore() {
            @Override
            public Optional<RuntimeState> load() {
                if (!Files.isRegularFile(file)) {
                    return Optional.empty();
                }
                try {
                    return Optional.of(Json.convert(Json.parse(Files.readString(file)), RuntimeState.class));
                } catch (IOException | CodexException e) {
                    throw new CodexException("cannot read the runtime state " + file + ": " + e.getMessage(), e);
                }
            }

            @Override
            public void save(RuntimeState state) {
                try {
                    Files.createDirectories(file.toAbsolutePath().getParent());
                    Path temp = Files.createTempFile(file.toAbsolutePath().getParent(), ".runtime.", ".tmp");
                    Files.writeString(temp, Json.write(state) + "\n");
                    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new CodexException("cannot write the runtime state " + file + ": " + e.getMessage(), e);
                }
            }

            @Override
            public String toString() {
                return file.toString();
            }
        };
    }

    /** Kept in memory only (tests, or a host that persists the state itself through {@link RuntimeSwitch.Builder#onChange}). */
    static StateStore memory() {
        return new StateStore() {
            private volatile RuntimeState state;

            @Override
            public Optional<RuntimeState> load() {
                return Optional.ofNullable(state);
            }

            @Override
            public void save(RuntimeState s) {
                state = s;
            }

            @Override
            public String toString() {
                return "memory";
            }
        };
    }

    static Path defaultFile() {
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".config");
        return base.resolve("codex-bridge").resolve("runtime.json");
    }
}
