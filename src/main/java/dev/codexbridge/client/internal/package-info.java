/**
 * Plumbing between {@code client} and the library's own packages: not API, no compatibility
 * promise; a host uses {@link dev.codexbridge.client.CodexClient} and never these.
 *
 * <p>{@link dev.codexbridge.client.internal.ThreadInbox} is where the reader thread hands one
 * thread's messages (a session's inbox implements it), and
 * {@link dev.codexbridge.client.internal.ClientPlumbing} is what a session does with a client
 * beyond the API: attach inboxes, take a thread place, send a request answered in wire order,
 * resume after a reconnect, explain a closed connection. Only the library's own packages use
 * them: another artifact (migration, the test kit, the front ends) uses {@code client}'s API.
 *
 * <p>How {@code ClientPlumbing.of(client)} reaches into the client: {@code CodexClient} installs
 * a static accessor from its static initializer (the JDK's {@code SharedSecrets} pattern), and
 * the plumbing it hands out is a package-private class of {@code client} over the client's
 * package-private parts (its connection, event router, reconnector and thread places). A
 * package-private bridge alone cannot cross from {@code client} into this package, and the
 * alternatives cost more: public accessors on {@code CodexClient} are the surface this package
 * exists to remove, and moving the router and connection here would make them, and the wire
 * decoder they share with {@code CodexEvent}, public types. This package names no type of
 * {@code client}'s but its values ({@code CodexEvent}): {@code ClientPlumbing} takes the client's
 * type as its parameter, so {@code client} uses this package and this package never calls the
 * client back (decision 0108).
 */
package dev.codexbridge.client.internal;
