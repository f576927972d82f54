package dev.codexbridge.config;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the migrator did with one host server. {@code skippedKeys} and {@code warnings} name keys
 * and reasons only, never values, which may be secrets.
 */
public record ServerReport(String name, Status status, List<String> skippedKeys, List<String> warnings, @Nullable String error) {
    public enum Status {
        /** Written into the managed block. */
        MIGRATED,
        /** The user defines a server of this name outside the block; theirs wins. */
        KEPT_USER_DEFINITION,
        /** Could not be migrated; see {@code error}. */
        FAILED
    }

    public ServerReport {
        skippedKeys = List.copyOf(skippedKeys);
        warnings = List.copyOf(warnings);
    }
}
