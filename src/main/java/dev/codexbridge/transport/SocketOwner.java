package dev.codexbridge.transport;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Who is on the other end of a unix socket, checked before credentials are sent over it: the
 * socket file must belong to this user or to root, and, where the platform reports the peer's
 * credentials ({@code SO_PEERCRED}, Linux), the process listening on it must run as the file's
 * owner. A socket in a folder others can write to may be someone else's listener, which would
 * collect the token; the peer's credentials also close the gap between looking at the file and
 * connecting to it. Platforms without POSIX owners (no {@code unix} file attributes) are not
 * checked.
 */
final class SocketOwner {
    private static final int ROOT = 0;

    private SocketOwner() {
    }

    /** Refuses, with who owns it, a connected socket that neither this user nor root owns. */
    static void check(Path socket, SocketChannel channel, String endpoint) {
        int owner;
        UserPrincipal ownerName;
        try {
            owner = (Integer) Files.getAttribute(socket, "unix:uid");
            ownerName = Files.getOwner(socket);
        } catch (UnsupportedOperationException | IllegalArgumentException noPosixOwners) {
            return;
        } catch (IOException e) {
            throw new TransportException("cannot tell who owns the socket of " + endpoint + ", so no credentials are "
                    + "sent to it: " + CodexEndpoint.describe(e));
        }
        long self = ownUid();
        if (!allowed(owner, self)) {
            throw new TransportException("refusing to send credentials to " + endpoint + ": its socket belongs to "
                    + ownerName.getName() + " (uid " + owner + "), not to this user (uid " + self + ") or root, so "
                    + "another user may be listening there");
        }
        try {
            if (channel.supportedOptions().contains(ExtendedSocketOptions.SO_PEERCRED)) {
                UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
                if (!peer.user().equals(ownerName)) {
                    throw new TransportException("refusing to send credentials to " + endpoint + ": the process "
                            + "listening on it runs as " + peer.user().getName() + ", not as the socket's owner "
                            + ownerName.getName());
                }
            }
        } catch (IOException e) {
            throw new TransportException("cannot tell who listens on " + endpoint + ", so no credentials are sent "
                    + "to it: " + CodexEndpoint.describe(e));
        }
    }

    /** Whether a socket owned by {@code owner} may get this user's credentials. */
    static boolean allowed(long owner, long self) {
        return owner == self || owner == ROOT;
    }

    static long ownUid() {
        return new UnixSystem().getUid();
    }
}
