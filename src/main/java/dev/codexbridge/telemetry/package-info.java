/**
 * Traces and metrics through OpenTelemetry, by the GenAI semantic conventions
 * ({@link dev.codexbridge.telemetry.CodexTelemetry}). The only package that refers to
 * OpenTelemetry types; the rest of the library reaches it through
 * {@code dev.codexbridge.telemetry.internal} and only when a host configured it.
 */
@NullMarked
package dev.codexbridge.telemetry;

import org.jspecify.annotations.NullMarked;
