package dev.codexbridge.protocol;

/** A protocol message that always names the turn it belongs to. */
public interface TurnScoped {
    String turnId();
}
