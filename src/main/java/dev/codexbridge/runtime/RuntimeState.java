package dev.codexbridge.runtime;

/** Whether the host hands its turns to codex, as recorded by {@link RuntimeSwitch}. */
public record RuntimeState(boolean enabled, String changedAt, String codexVersion) {
}
