package dev.codexbridge.lineage;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.protocol.ClientRequests;
import dev.codexbridge.protocol.FsCopyParams;
import dev.codexbridge.protocol.FsCreateDirectoryParams;
import dev.codexbridge.protocol.FsGetMetadataParams;
import dev.codexbridge.protocol.FsGetMetadataResponse;
import dev.codexbridge.protocol.FsReadDirectoryEntry;
import dev.codexbridge.protocol.FsReadDirectoryParams;
import dev.codexbridge.protocol.FsReadFileParams;
import dev.codexbridge.protocol.FsReadFileResponse;
import dev.codexbridge.protocol.FsRemoveParams;
import dev.codexbridge.protocol.FsWriteFileParams;
import dev.codexbridge.protocol.InitializeResponse;
import dev.codexbridge.protocol.RequestMethod;
import dev.codexbridge.rpc.JsonRpcPeer;
import dev.codexbridge.rpc.RpcTimeoutException;
import dev.codexbridge.rpc.internal.Futures;
import dev.codexbridge.transport.CodexEndpoint;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One app-server's files through its {@code fs/*} methods, every call within one deadline: the
 * time left is each request's timeout, and none is sent once it has passed. Paths are the
 * app-server's own, absolute (codex refuses a relative one), joined with its separator.
 */
final class RemoteFiles {
    /** Room for the JSON-RPC envelope around a file's base64 in one message. */
    private static final int ENVELOPE_BYTES = 64 * 1024;
    private static final Duration CLEANUP_GRACE = Duration.ofSeconds(5);

    private final CodexClient client;
    private final @Nullable String threadId;
    private final long deadlineNanos;
    private final Duration timeout;
    private final String separator;
    private final String sessionsDir;

    RemoteFiles(CodexClient client, @Nullable String threadId, Duration timeout) {
        this.client = Objects.requireNonNull(client, "client");
        this.threadId = threadId;
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        this.timeout = timeout;
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
        InitializeResponse server = client.serverInfo();
        this.separator = "windows".equalsIgnoreCase(server.platformFamily()) ? "\\" : "/";
        String home = server.codexHome();
        if (home == null || home.isBlank()) {
            throw new LineageException(threadId, "the app-server did not say its codex home (initialize gave no codexHome)");
        }
        this.sessionsDir = stripTrailing(home) + separator + "sessions";
    }

    /** The largest file one message carries on this connection: base64 of it, plus the envelope, within the reader's cap. */
    static long largestFileFor(CodexClient client) {
        CodexEndpoint endpoint = client.options().endpoint();
        long message = endpoint != null ? endpoint.maxMessageBytes() : JsonRpcPeer.DEFAULT_MAX_MESSAGE_BYTES;
        return (message - ENVELOPE_BYTES) / 4 * 3;
    }

    String sessionsDir() {
        return sessionsDir;
    }

    String separator() {
        return separator;
    }

    /** Where {@code relativePath} (forward slashes, under {@code sessions/}) is on the app-server. */
    String inSessions(String relativePath) {
        return sessionsDir + separator + relativePath.replace("/", separator);
    }

    String parentOf(String path) {
        return path.substring(0, path.lastIndexOf(separator));
    }

    byte[] read(String path) {
        return bytesOf(readLater(path), path);
    }

    /** Sends {@code fs/readFile} of {@code path} now, for {@link #bytesOf} to wait for: reads that go out together are answered together. */
    CompletableFuture<FsReadFileResponse> readLater(String path) {
        return send(ClientRequests.FS_READ_FILE, new FsReadFileParams(path));
    }

    /** The bytes {@link #readLater} asked for, once codex answers within the deadline. */
    byte[] bytesOf(CompletableFuture<FsReadFileResponse> read, String path) {
        try {
            String base64 = answer(read, ClientRequests.FS_READ_FILE, path).dataBase64();
            return Base64.getDecoder().decode(Objects.requireNonNull(base64, "dataBase64"));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new LineageException(threadId, "fs/readFile of " + path + " answered no valid base64", e, FailureKind.OTHER);
        }
    }

    /** Sends {@code fs/getMetadata} of {@code path} now, for {@link #metadataOf} to wait for. */
    CompletableFuture<FsGetMetadataResponse> metadataLater(String path) {
        return send(ClientRequests.FS_GET_METADATA, new FsGetMetadataParams(path));
    }

    /** The metadata {@link #metadataLater} asked for, once codex answers within the deadline. */
    FsGetMetadataResponse metadataOf(CompletableFuture<FsGetMetadataResponse> asked, String path) {
        return answer(asked, ClientRequests.FS_GET_METADATA, path);
    }

    void write(String path, byte[] bytes) {
        call(ClientRequests.FS_WRITE_FILE, new FsWriteFileParams(Base64.getEncoder().encodeToString(bytes), path), path);
    }

    void createDirectories(String path) {
        call(ClientRequests.FS_CREATE_DIRECTORY, new FsCreateDirectoryParams(path, true), path);
    }

    /** The entries of a folder; empty when it does not exist. */
    List<FsReadDirectoryEntry> list(String path) {
        try {
            List<FsReadDirectoryEntry> entries = call(ClientRequests.FS_READ_DIRECTORY, new FsReadDirectoryParams(path), path).entries();
            return entries == null ? List.of() : entries;
        } catch (LineageException e) {
            if (notFound(e)) {
                return List.of();
            }
            throw e;
        }
    }

    void copy(String from, String to) {
        call(ClientRequests.FS_COPY, FsCopyParams.builder().sourcePath(from).destinationPath(to).recursive(false).build(), to);
    }

    /** Removes one file (never a folder's contents: not recursive); a missing file is no error. */
    void removeFile(String path) {
        call(ClientRequests.FS_REMOVE, FsRemoveParams.builder().path(path).recursive(false).force(true).build(), path);
    }

    /**
     * Removes a file a failed step left, within a grace of its own (the call's deadline may be what
     * failed); a failure to remove it is added to {@code failure}.
     */
    void removeAfterFailure(String path, Exception failure) {
        try {
            Futures.join(client.requestAsync(ClientRequests.FS_REMOVE.method(),
                    FsRemoveParams.builder().path(path).recursive(false).force(true).build(), ClientRequests.FS_REMOVE.resultType(), CLEANUP_GRACE));
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** Whether a failed call was codex saying the file is not there. */
    static boolean notFound(LineageException e) {
        return e.getCause() != null && String.valueOf(e.getCause().getMessage()).contains("os error 2");
    }

    /** What is left of the call's timeout, zero or less once it has passed (never throws). */
    long remainingNanos() {
        return deadlineNanos - System.nanoTime();
    }

    Duration left() {
        long nanos = remainingNanos();
        if (nanos <= 0) {
            throw new LineageException(threadId, "the lineage call did not finish within its timeout of " + timeout.toMillis() + " ms",
                    null, FailureKind.OTHER);
        }
        return Duration.ofNanos(nanos);
    }

    <P, R> R call(RequestMethod<P, R> method, P params, String path) {
        return answer(send(method, params), method, path);
    }

    private <P, R> CompletableFuture<R> send(RequestMethod<P, R> method, P params) {
        return client.requestAsync(method.method(), params, method.resultType(), left());
    }

    private <R> R answer(CompletableFuture<R> sent, RequestMethod<?, R> method, String path) {
        try {
            return Futures.join(sent);
        } catch (RpcTimeoutException e) {
            throw new LineageException(threadId, method.method() + " of " + path + " got no answer within its timeout of "
                    + timeout.toMillis() + " ms (an answer larger than the connection's largest message, " + largestFileFor(client)
                    + " bytes of file, is never read)", e, FailureKind.OTHER);
        } catch (CodexException e) {
            throw new LineageException(threadId, method.method() + " of " + path + " failed: " + e.getMessage(), e, e.kind());
        }
    }

    /** A request that is not about a file (thread/read, the name, the goal), within the same deadline. */
    <P, R> R request(RequestMethod<P, R> method, P params) {
        Duration left = left();
        try {
            return Futures.join(client.requestAsync(method.method(), params, method.resultType(), left));
        } catch (CodexException e) {
            throw new LineageException(threadId, method.method() + " failed: " + e.getMessage(), e, e.kind());
        }
    }

    private String stripTrailing(String home) {
        String h = home;
        while (h.length() > 1 && h.endsWith(separator)) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }
}
