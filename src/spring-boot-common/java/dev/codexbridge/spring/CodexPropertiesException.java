package dev.codexbridge.spring;

import dev.codexbridge.CodexException;

/** {@code codex-bridge.*} properties that cannot work together; the message names them and the fix. */
public class CodexPropertiesException extends CodexException {
    private static final long serialVersionUID = 1L;

    public CodexPropertiesException(String message) {
        super(message);
    }

    public CodexPropertiesException(String message, Throwable cause) {
        super(message, cause);
    }
}
