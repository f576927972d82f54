package dev.codexbridge.json;

import dev.codexbridge.CodexException;

/** JSON that cannot be parsed or a value that cannot be mapped to or from JSON. */
public class JsonFormatException extends CodexException {
    private static final long serialVersionUID = 1L;

    public JsonFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
