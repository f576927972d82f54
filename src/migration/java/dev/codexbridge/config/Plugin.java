package dev.codexbridge.config;

import java.util.Objects;

/** A codex plugin installed from a marketplace, as {@code plugin/list} reports it. */
public record Plugin(String name, String marketplace, boolean enabled) {
    public Plugin {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(marketplace, "marketplace");
    }

    /** The {@code [plugins."<name>@<marketplace>"]} key. */
    public String id() {
        return name + "@" + marketplace;
    }
}
