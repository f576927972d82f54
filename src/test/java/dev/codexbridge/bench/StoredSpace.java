package dev.codexbridge.bench;

import dev.codexbridge.store.ConversationSummary;
import dev.codexbridge.store.DiskConversationStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/** What the stores of {@link StoredTurnsBench} take on disk and in PostgreSQL, against the rollout they hold. */
record StoredSpace(DiskConversationStore disk, String pgUrl) {
    /** The bytes of the disk store's one conversation, from its manifest. */
    long rolloutBytes() {
        return disk.list(null, 10).stream().mapToLong(ConversationSummary::lineageBytes).sum();
    }

    /** PostgreSQL's tables vacuumed: what a deleted conversation left is free again, as autovacuum would make it. */
    void vacuum() throws SQLException {
        try (Connection c = DriverManager.getConnection(pgUrl); Statement s = c.createStatement()) {
            s.execute("VACUUM codex_store_conversation, codex_store_rollout, codex_store_chunk, codex_store_lease");
        }
    }

    void print(long rollout) throws SQLException, IOException {
        System.out.printf("  disk store folder: %.1f KiB for %.1f KiB of rollout (%.2fx)%n", folderBytes() / 1024.0, rollout / 1024.0,
                folderBytes() / (double) rollout);
        try (Connection c = DriverManager.getConnection(pgUrl); Statement s = c.createStatement()) {
            long tables = one(s, "SELECT pg_total_relation_size('codex_store_conversation') + pg_total_relation_size('codex_store_rollout')"
                    + " + pg_total_relation_size('codex_store_chunk') + pg_total_relation_size('codex_store_lease')");
            long live = one(s, "SELECT coalesce((SELECT sum(pg_column_size(content)) FROM codex_store_rollout), 0)"
                    + " + coalesce((SELECT sum(pg_column_size(content)) FROM codex_store_chunk), 0)");
            long chunks = one(s, "SELECT count(*) FROM codex_store_chunk");
            System.out.printf("  PostgreSQL tables: %.1f KiB for %.1f KiB of live compressed rollout (%.2fx), %d chunk rows, %.1f KiB of rollout%n",
                    tables / 1024.0, live / 1024.0, tables / (double) live, chunks, rollout / 1024.0);
        }
    }

    private static long one(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long folderBytes() throws IOException {
        return folderBytes(disk.root());
    }

    /** The regular files under {@code root}, each counted once however many names it has (the chunks' links). */
    static long folderBytes(Path root) throws IOException {
        Map<Object, Long> sizes = new HashMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            all.forEach(p -> {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (a.isRegularFile()) {
                        sizes.put(a.fileKey(), a.size());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return sizes.values().stream().mapToLong(Long::longValue).sum();
    }
}
