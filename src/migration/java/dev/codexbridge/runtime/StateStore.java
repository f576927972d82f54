package dev.codexbridge.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
                String text;
                try {
                    text = Files.readString(file);
                } catch (IOException e) {
                    throw new CodexException("cannot read the runtime state " + file + ": " + e.getMessage(), e);
                }
                // the state may remember MCP servers with their env values: errors say where, never what
                JsonNode tree;
                try {
                    // the mapper itself, not Json.parse: its error keeps the parser's location, which is all that is shown
                    tree = Json.mapper().readTree(text);
                } catch (JsonProcessingException e) {
                    throw new CodexException("cannot read the runtime state " + file + ": not valid JSON" + where(e));
                }
                try {
                    return Optional.of(Json.convert(tree, RuntimeState.class));
                } catch (CodexException e) {
                    throw new CodexException("cannot read the runtime state " + file
                            + ": not a runtime state this version of codex-bridge reads" + where(e));
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

    /** Where a JSON error is ({@code " at line L, column C"}), or nothing when the parser did not say. */
    private static String where(CodexException e) {
        return e.getCause() instanceof JsonProcessingException jp ? where(jp) : "";
    }

    private static String where(JsonProcessingException jp) {
        if (jp.getLocation() != null && jp.getLocation().getLineNr() > 0) {
            return " at line " + jp.getLocation().getLineNr() + ", column " + jp.getLocation().getColumnNr();
        }
        return "";
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
