package dev.codexbridge.process;

/** No usable codex binary was found; the message lists what was tried and how to install one. */
public class CodexNotFoundException extends CodexProcessException {
    private static final long serialVersionUID = 1L;

    public CodexNotFoundException(String message) {
        super(message);
    }
}
