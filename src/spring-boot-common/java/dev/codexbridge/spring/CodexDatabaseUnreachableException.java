package dev.codexbridge.spring;

import dev.codexbridge.CodexException;

/**
 * The conversation store's database did not answer at start-up (connection refused, timed out,
 * not accepting connections yet): the properties may be right, the database is down or out of
 * reach. The message names the database by its URL without credentials.
 */
public class CodexDatabaseUnreachableException extends CodexException {
    private static final long serialVersionUID = 1L;

    private final String database;

    public CodexDatabaseUnreachableException(String database, String reason, Throwable cause) {
        super("codex-bridge.store.type=postgresql: the database at " + database + " cannot be reached: " + reason, cause);
        this.database = database;
    }

    /** The database, as its JDBC URL without credentials (or what names it when its URL is not known). */
    public String database() {
        return database;
    }
}
