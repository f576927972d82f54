/**
 * What every layer uses to show text it did not write: {@link dev.codexbridge.internal.UntrustedText}
 * (secrets masked, control characters made visible, for log lines and exception messages) and
 * {@link dev.codexbridge.internal.SafeLogger} (the library's only way to an SLF4J logger; every
 * line passes through {@code UntrustedText}); {@link dev.codexbridge.internal.TomlLayout}, where a
 * block of settings goes in a {@code config.toml} (the migrator's and the tenants'). Depends on SLF4J and the root package only; every
 * package may use it. Not API: no compatibility promise, public only because Java has no access
 * level between packages.
 */
package dev.codexbridge.internal;
