package dev.codexbridge.config;

import dev.codexbridge.CodexException;

/** The migration cannot go ahead (a broken existing file, an unusable input); nothing was written. */
public class ConfigMigrationException extends CodexException {
    private static final long serialVersionUID = 1L;

    public ConfigMigrationException(String message) {
        super(message);
    }

    public ConfigMigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
