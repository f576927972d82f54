/**
 * What every front end that serves remote callers shares (decision 0048): who a caller is
 * ({@link dev.codexbridge.callers.Authenticator}: bearer tokens, JWTs). A protocol served on top of
 * the library adds a translator and takes its callers' identities from here and its sessions from
 * {@link dev.codexbridge.gateway.CodexGateway}.
 */
@NullMarked
package dev.codexbridge.callers;

import org.jspecify.annotations.NullMarked;
