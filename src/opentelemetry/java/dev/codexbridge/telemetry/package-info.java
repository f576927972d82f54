/**
 * Traces and metrics through OpenTelemetry, by the GenAI semantic conventions
 * ({@link dev.codexbridge.telemetry.CodexTelemetry}): the library's telemetry hooks
 * ({@code dev.codexbridge.observe}) implemented on OpenTelemetry's API. Artifact
 * {@code codex-bridge-opentelemetry}, the only one that refers to OpenTelemetry types; it depends on
 * the hooks, {@code protocol}, {@code approval} and {@code json} of the library, never on a
 * client or a session (decision 0052).
 */
@NullMarked
package dev.codexbridge.telemetry;

import org.jspecify.annotations.NullMarked;
