package dev.codexbridge.session;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.internal.custody.LineageMoves;
import dev.codexbridge.store.RolloutFile;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Codex's home per connection, in memory, for the fake codex: what a sleep exports and removes and a wake imports. */
final class InMemoryHomes implements LineageMoves {
    private final Map<CodexClient, Map<String, String>> homes = new ConcurrentHashMap<>();

    Map<String, String> home(CodexClient c) {
        return homes.computeIfAbsent(c, x -> new ConcurrentHashMap<>());
    }

    @Override
    public List<RolloutFile> export(CodexClient from, String threadId, String lastTurnId) {
        return home(from).entrySet().stream().filter(e -> e.getKey().contains(threadId))
                .map(e -> RolloutFile.of(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8))).toList();
    }

    @Override
    public List<RolloutFile> exportAfterTurn(CodexClient from, String threadId, String turnId, List<String> previousPaths) {
        return export(from, threadId, turnId);
    }

    @Override
    public void forget(CodexClient to, String threadId) {
    }

    @Override
    public void importInto(CodexClient to, String threadId, List<RolloutFile> lineage) {
        lineage.forEach(f -> home(to).put(f.relativePath(), new String(f.bytes(), StandardCharsets.UTF_8)));
    }

    @Override
    public void remove(CodexClient from, List<RolloutFile> lineage) {
        lineage.forEach(f -> home(from).remove(f.relativePath()));
    }

    @Override
    public Records records(CodexClient from, String threadId) {
        return Records.NONE;
    }

    @Override
    public void restore(CodexClient to, String threadId, Records records) {
    }

    @Override
    public boolean loaded(CodexClient from, String threadId) {
        return false;
    }
}
