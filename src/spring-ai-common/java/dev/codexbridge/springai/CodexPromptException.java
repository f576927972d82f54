package dev.codexbridge.springai;

import dev.codexbridge.CodexException;

/** A prompt asks what codex cannot do (a sampling option, a changed system message, a remote image); nothing reached codex. */
public class CodexPromptException extends CodexException {
    public CodexPromptException(String message) {
        super(message);
    }
}
