package dev.codexbridge.session;

import dev.codexbridge.CodexException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which codex thread holds which conversation: a map from the conversation's key (a chat memory's conversation id, say)
 * to codex's thread id. Kept in a file, it lets an application that restarted resume each
 * conversation's thread instead of starting a fresh one. Implementations are thread-safe.
 */
public interface ThreadStore {

    Optional<String> threadId(String key);

    void put(String key, String threadId);

    void remove(String key);

    /** Lost when the application stops: every conversation starts a fresh thread after a restart. */
    static ThreadStore inMemory() {
        Map<String, String> map = new ConcurrentHashMap<>();
        return new ThreadStore() {
            @Override
            public Optional<String> threadId(String key) {
                return Optional.ofNullable(map.get(key));
            }

            @Override
            public void put(String key, String threadId) {
                map.put(key, threadId);
            }

            @Override
            public void remove(String key) {
                map.remove(key);
            }
        };
    }

    /**
     * One properties file (key = thread id), read once and written whole on each change through a
     * temporary file moved into place, so a crash leaves the old map or the new one.
     */
    static ThreadStore file(Path file) {
        return new FileStore(file);
    }

    /** {@link #file}: small by design, one conversation per line. */
    final class FileStore implements ThreadStore {
        private final Path file;
        private final Properties map = new Properties();

        private FileStore(Path file) {
            this.file = Objects.requireNonNull(file, "file").toAbsolutePath();
            if (Files.exists(this.file)) {
                try (InputStream in = Files.newInputStream(this.file)) {
                    map.load(in);
                } catch (IOException e) {
                    throw new CodexException("cannot read the thread store " + this.file + ": " + e.getMessage(), e);
                }
            }
        }

        @Override
        public synchronized Optional<String> threadId(String key) {
            return Optional.ofNullable(map.getProperty(key));
        }

        @Override
        public synchronized void put(String key, String threadId) {
            if (!threadId.equals(map.put(key, threadId))) {
                write();
            }
        }

        @Override
        public synchronized void remove(String key) {
            if (map.remove(key) != null) {
                write();
            }
        }

        private void write() {
            try {
                Path dir = file.getParent();
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    map.store(out, "codex threads by conversation key");
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new CodexException("cannot write the thread store " + file + ": " + e.getMessage(), e);
            }
        }
    }
}
