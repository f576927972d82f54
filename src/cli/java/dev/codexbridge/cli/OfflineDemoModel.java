package dev.codexbridge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The model behind the servers' {@code --offline-demo} (a2a, mcp): echoes the caller's message,
 * or asks to run {@code pwd} when it says "run", so a caller sees an approval without a model account.
 */
final class OfflineDemoModel implements Function<RecordedRequest, ModelReply> {
    private final AtomicInteger calls = new AtomicInteger();

    @Override
    public ModelReply apply(RecordedRequest request) {
        List<JsonNode> items = request.inputItems();
        JsonNode last = items.isEmpty() ? null : items.get(items.size() - 1);
        if (last != null && "function_call_output".equals(last.path("type").asText())) {
            return ModelReply.message("Ran it. Output: " + request.functionCallOutput(last.path("call_id").asText()).orElse("").strip());
        }
        String text = request.lastUserText().orElse("");
        if (text.toLowerCase(Locale.ROOT).contains("run")) {
            return ModelReply.builder().execCommandEscalated("demo-call-" + calls.incrementAndGet(), "pwd",
                    "The offline demo runs pwd when asked to run something").build();
        }
        return ModelReply.message("Offline demo (scripted model): you said \"" + text + "\".");
    }

    /**
     * A throw-away tenants root for a demo with a codex per principal: under the user's cache, since
     * the tenants refuse a root under /tmp (every codex sandbox may write there).
     */
    static Path tenantsRoot(String command) throws IOException {
        Path cache = Files.createDirectories(Path.of(System.getProperty("user.home"), ".cache", "codex-bridge"));
        return Files.createTempDirectory(cache, command + "-demo-tenants-");
    }

    /** Deletes what {@link #tenantsRoot} made, when it made one; a file that will not go is left. */
    static void deleteTenantsRoot(@Nullable Path root) {
        if (root == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a demo's leftovers in the user's cache; nothing depends on them
        }
    }
}
