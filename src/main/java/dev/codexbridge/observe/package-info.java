/**
 * The telemetry hooks: what the client, the session and the pool call when a host turned
 * telemetry on ({@link dev.codexbridge.observe.TelemetryHooks}, per turn
 * {@link dev.codexbridge.observe.TurnTelemetry}, per client
 * {@link dev.codexbridge.observe.ClientTelemetry} and
 * {@link dev.codexbridge.observe.ReconnectTelemetry}). A service-provider interface free of any
 * telemetry library's types: OpenTelemetry's implementation, {@code CodexTelemetry}, is the
 * artifact {@code codex-bridge-opentelemetry}, and a host may write its own (decision 0052).
 *
 * <p>Below {@code client}: depends on {@code protocol} (the items a turn hears) and
 * {@code approval} (its approval requests and decisions) only.
 */
@NullMarked
package dev.codexbridge.observe;

import org.jspecify.annotations.NullMarked;
