package dev.codexbridge.protocol;

/** A protocol message that always names the thread it belongs to. */
public interface ThreadScoped {
    String threadId();
}
