/**
 * The seam between the library and its OpenTelemetry support: interfaces free of OpenTelemetry
 * types that sessions, clients and the JSON-RPC peer call. Public only because Java has no access
 * level between packages; not API.
 */
package dev.codexbridge.telemetry.internal;
