package dev.codexbridge.client;

import dev.codexbridge.BuildInfo;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.ClientInfo;
import dev.codexbridge.rpc.internal.Futures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@code codex app-server} started for a few requests and stopped again: the process, the
 * {@code initialize} handshake within a time budget, the requests, then the shutdown ladder. Plugin
 * discovery and the runtime switch's probe (artifact {@code codex-bridge-migration}) ask codex this
 * way, and so can a host that wants one answer from codex without keeping it running. Failures are
 * thrown as the {@link dev.codexbridge.CodexException}s they are; the caller decides what a failed
 * probe means.
 *
 * <pre>{@code
 * try (ShortLivedCodex codex = ShortLivedCodex.start(
 *         ShortLivedCodex.launch(binary, codexHome, "codex-probe"), "probe", Duration.ofSeconds(20))) {
 *     GetAccountResponse account = codex.client().accountRead(new GetAccountParams(false));
 * }
 * }</pre>
 */
public final class ShortLivedCodex implements AutoCloseable {
    /** Each step of a probe's shutdown ladder (close stdin, SIGTERM, SIGKILL): it has nothing to save. */
    public static final Duration GRACE = Duration.ofSeconds(1);

    private final CodexClient client;
    private final long deadline;

    private ShortLivedCodex(CodexClient client, long deadline) {
        this.client = client;
        this.deadline = deadline;
    }

    /**
     * An app-server launch of {@code binary} for a probe: {@code CODEX_HOME} set to
     * {@code codexHome} (null: inherited), the short shutdown ladder, threads and log lines named
     * {@code name}.
     */
    public static CodexLaunch launch(Path binary, @Nullable Path codexHome, String name) {
        return CodexLaunch.appServer(binary).codexHome(codexHome).shutdownGrace(GRACE, GRACE, GRACE).name(name).build();
    }

    /**
     * Starts codex by {@code launch} and does the handshake, introducing itself as
     * {@code codex_bridge_<purpose>} ("codex-bridge purpose"). {@code budget} bounds the handshake
     * and is every request's default deadline; {@link #remaining()} is what is left of it.
     */
    public static ShortLivedCodex start(CodexLaunch launch, String purpose, Duration budget) {
        Objects.requireNonNull(launch, "launch");
        long deadline = System.nanoTime() + budget.toNanos();
        CodexClient client = CodexClient.builder().process(launch).requestTimeout(budget)
                .clientInfo(new ClientInfo("codex_bridge_" + purpose, "codex-bridge " + purpose, BuildInfo.version())).connect();
        return new ShortLivedCodex(client, deadline);
    }

    /** The connection, for typed requests (each bounded by the budget) and sessions on it. */
    public CodexClient client() {
        return client;
    }

    /** What is left of the budget given to {@link #start} (at least a millisecond). */
    public Duration remaining() {
        long left = deadline - System.nanoTime();
        return Duration.ofNanos(Math.max(left, Duration.ofMillis(1).toNanos()));
    }

    /** A request by wire name that must be answered within what is left of the budget. */
    public <R> @Nullable R request(String method, @Nullable Object params, Class<R> resultType) {
        return Futures.join(client.requestAsync(method, params, resultType, remaining()));
    }

    /** Closes the connection and stops codex by the launch's shutdown ladder. */
    @Override
    public void close() {
        client.close();
    }
}
