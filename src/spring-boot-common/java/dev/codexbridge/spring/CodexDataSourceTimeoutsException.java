package dev.codexbridge.spring;

import dev.codexbridge.CodexException;

/**
 * The application's {@code DataSource}, which the PostgreSQL store was to run on, would hold a
 * request far longer than the store's own pool while the database does not answer (a connection
 * wait past the lease, no socket timeout): the message names each {@code spring.datasource.*}
 * property to set and its value (decision 0100).
 */
public class CodexDataSourceTimeoutsException extends CodexException {
    private static final long serialVersionUID = 1L;

    public CodexDataSourceTimeoutsException(String message) {
        super(message);
    }
}
