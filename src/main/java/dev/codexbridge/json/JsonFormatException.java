package dev.codexbridge.json;

import dev.codexbridge.CodexException;
import org.jspecify.annotations.Nullable;

/** JSON that cannot be parsed or a value that cannot be mapped to or from JSON. */
public class JsonFormatException extends CodexException {
    private static final long serialVersionUID = 1L;

    public JsonFormatException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
