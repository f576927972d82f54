package dev.codexbridge.pool;

import dev.codexbridge.CodexException;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadAccess;
import java.util.function.Consumer;

/**
 * Opens a {@link CodexPool}'s session on the endpoint placed for it: connects (marking the
 * endpoint down when it cannot be reached), builds the session on that connection and starts it.
 * A failure that is the endpoint's, or codex's refusal because another app-server writes the
 * thread, is told apart ({@link PlacementFailed}, {@link WriterElsewhere}) so the pool can try
 * elsewhere; any other failure is the session's and goes to the caller as it is.
 */
final class PoolSessionOpener {
    private final Consumer<CodexClient.Builder> clientConfigurer;
    /** The host's rule for resuming threads, or null. */
    private final ThreadAccess threadAccess;
    private final PoolPlacement placement;
    /** Where a conversation the store keeps wakes, or null without a store. */
    private final PoolWakes wakes;

    PoolSessionOpener(Consumer<CodexClient.Builder> clientConfigurer, ThreadAccess threadAccess, PoolPlacement placement,
                      PoolWakes wakes) {
        this.clientConfigurer = clientConfigurer;
        this.threadAccess = threadAccess;
        this.placement = placement;
        this.wakes = wakes;
    }

    /** The started session on {@code node}: a new thread, or {@code resume} resumed for {@code caller}. */
    CodexSession open(PoolNode node, Consumer<CodexSession.Builder> configure, String resume, String caller) {
        CodexClient client;
        try {
            client = node.connectOrDown(clientConfigurer);
        } catch (CodexException e) {
            throw new PlacementFailed(e.getMessage(), e);
        }
        CodexSession.Builder b = CodexSession.builder();
        // first, so that the host's own callback already finds the new id here
        b.onThreadReplaced(replaced -> placement.learn(replaced, node));
        configure.accept(b);
        b.client(client);
        if (wakes != null) {
            // a session that slept into the store wakes wherever the pool has room then
            b.storage(wakes.storage()).placement(wakes);
        }
        if (resume != null) {
            b.resumeThread(resume);
            if (threadAccess != null) {
                b.threadAccess(threadAccess, caller);
            }
        }
        CodexSession session = b.build();
        try {
            session.start();
            return session;
        } catch (CodexException e) {
            session.close();
            if (!client.isOpen()) {
                node.down("the connection closed while starting a session");
                throw new PlacementFailed(e.getMessage(), e);
            }
            if (resume != null && activeWriter(e)) {
                throw new WriterElsewhere(e);
            }
            throw e;
        }
    }

    /** Codex refused a resume because another app-server process writes the thread (-32600 "... active writer"). */
    static boolean activeWriter(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof RpcException e && e.code() == RpcError.INVALID_REQUEST && e.error().message() != null
                    && e.error().message().contains("already has an active writer")) {
                return true;
            }
        }
        return false;
    }

    /** Codex refused a resume: another app-server writes the thread. Ask the endpoints again. */
    static final class WriterElsewhere extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WriterElsewhere(CodexException refusal) {
            super("another app-server writes the thread (already has an active writer)", refusal, false, false);
        }
    }

    /** A placement that failed because of the endpoint (unreachable, connection lost): try another. */
    static final class PlacementFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PlacementFailed(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }
}
