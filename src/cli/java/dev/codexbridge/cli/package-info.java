/**
 * The {@code codex-bridge} command line ({@link dev.codexbridge.cli.Main}): picocli commands
 * ({@code run}, {@code demo}, {@code threads}, {@code models}, {@code account}, {@code migrate},
 * {@code runtime}, {@code record}, {@code replay}, {@code install-codex}) over the other packages,
 * which it may all use. Commands hold no logic of their own, so everything they do is reachable
 * from the library; only {@code Main} is public, and the providers other libraries make by
 * reflection ({@code UrlConnectionSenderProvider}, {@code JsonLogProvider}).
 */
package dev.codexbridge.cli;
