package dev.codexbridge.openai;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.protocol.Model;
import dev.codexbridge.protocol.ModelListParams;
import dev.codexbridge.protocol.ModelListResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The models {@code GET /v1/models} lists: codex's own ({@code model/list}), read once and kept
 * for a while. The request's {@code model} does not choose among them (the host's model runs,
 * docs/openai.md); the list tells a client what the door's codex offers.
 */
@FunctionalInterface
public interface OpenAiModels {
    /** How long a list read from codex is kept. */
    Duration KEPT_FOR = Duration.ofMinutes(5);
    /** Pages followed at most: the list is a few dozen models; this only stops a cursor that never ends. */
    int MAX_PAGES = 50;

    /** The model ids, codex's default first. */
    List<String> ids();

    /** None listed: {@code GET /v1/models} answers an empty list. */
    static OpenAiModels none() {
        return List::of;
    }

    /** Codex's models on {@code client}, kept for {@link #KEPT_FOR}. */
    static OpenAiModels of(CodexClient client) {
        Objects.requireNonNull(client, "client");
        return kept(() -> listed(client));
    }

    /** The ids of the models codex on {@code client} lists now, its default first. */
    static List<String> listed(CodexClient client) {
        List<Model> models = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            ModelListResponse r = client.modelList(ModelListParams.builder().cursor(cursor).build());
            models.addAll(r.data());
            cursor = r.nextCursor();
            if (cursor == null) {
                break;
            }
        }
        List<String> ids = new ArrayList<>();
        models.stream().filter(m -> Boolean.TRUE.equals(m.isDefault())).forEach(m -> ids.add(m.id()));
        models.stream().filter(m -> !Boolean.TRUE.equals(m.isDefault())).forEach(m -> ids.add(m.id()));
        return List.copyOf(ids);
    }

    /** {@code read}'s answer, read again once {@link #KEPT_FOR} has passed; a failed read is not kept. */
    static OpenAiModels kept(Supplier<List<String>> read) {
        return new OpenAiModels() {
            private @org.jspecify.annotations.Nullable List<String> ids;
            private long readAt;

            @Override
            public synchronized List<String> ids() {
                if (ids == null || System.nanoTime() - readAt > KEPT_FOR.toNanos()) {
                    ids = read.get();
                    readAt = System.nanoTime();
                }
                return ids;
            }
        };
    }
}
