/**
 * The codex app-server protocol as Java types, generated from the pinned codex binary's own JSON
 * Schema ({@code codex app-server generate-json-schema [--experimental]}).
 *
 * <p>Records for messages, enums (with an {@code UNKNOWN} constant for values a newer codex adds),
 * sealed interfaces for unions (each with an {@code Unknown} variant that keeps the raw JSON), method
 * tables ({@link dev.codexbridge.protocol.ClientRequests}, {@link dev.codexbridge.protocol.ServerRequests},
 * {@link dev.codexbridge.protocol.ServerNotifications}, {@link dev.codexbridge.protocol.ClientNotifications})
 * and the typed {@link dev.codexbridge.protocol.CodexApi} with its asynchronous twin
 * {@link dev.codexbridge.protocol.CodexAsyncApi}. Types, fields and methods only the
 * experimental surface has are marked {@link dev.codexbridge.protocol.Experimental}.
 *
 * <p>Files starting with the generator's header are generated: do not edit them. Regenerate after
 * moving the pin ({@code codex.version} in the pom) with
 *
 * <pre>
 * mvn -B -ntp -o -Pgenerate-protocol -DskipLiveTests=true -DskipTests=false -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false process-test-classes
 * </pre>
 *
 * <p>(drop {@code -o} when the pinned codex is not installed yet). {@code GeneratedProtocolUpToDateTest}
 * fails the build when the checked-in files differ from what the pinned schema generates. The
 * hand-written files here are {@code Experimental}, {@code ThreadScoped}, {@code TurnScoped},
 * {@code RequestMethod}, {@code NotificationMethod}, {@code UnionCodec}, {@code JsonNullFilter},
 * {@code FileChanges}, {@code ProtocolDecoder} (the one place params are decoded) and this one.
 */
package dev.codexbridge.protocol;
