package dev.codexbridge.client;

import dev.codexbridge.rpc.RetryPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link CodexClient} opens a new connection when its connection is lost (codex died, a
 * socket dropped): up to {@code maxAttempts} tries with jittered exponential backoff, then each
 * thread that was open on it is resumed, at most {@code concurrentResumes} at a time. Requests in
 * flight when the connection was lost fail and are never sent again: their outcome is unknown.
 *
 * <p>Each resume after a reconnect waits at most {@code resumeTimeout} for codex's answer and is
 * tried up to {@code resumeAttempts} times (again at once after a timeout, after a short pause when
 * codex says it is overloaded), so one request codex never answers holds neither its session nor
 * a slot of the resumes for long.
 *
 * <p>A turn running when a connection to a running app-server (WebSocket or unix socket) drops
 * is not ended: codex keeps running it, so for up to {@code reattachWindow} the session waits for
 * the reconnect, resumes its thread, hands the listener what it missed and follows the turn to
 * its end (decision 0022). {@link Duration#ZERO} ends the turn at the drop instead, as before.
 * A codex process the client started itself dies with its connection: nothing is waited for.
 */
public record ReconnectPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay, int concurrentResumes,
                              Duration resumeTimeout, int resumeAttempts, Duration reattachWindow) {
    /** How long one {@code thread/resume} after a reconnect may take by default. */
    public static final Duration DEFAULT_RESUME_TIMEOUT = Duration.ofSeconds(10);
    /** How often a resume after a reconnect is tried by default. */
    public static final int DEFAULT_RESUME_ATTEMPTS = 3;
    /** How long a running turn waits for its connection to come back by default. */
    public static final Duration DEFAULT_REATTACH_WINDOW = Duration.ofSeconds(30);
    /**
     * 8 attempts from 100 ms up to 5 s apart, 16 resumes at a time, each given 10 s and 3 tries, a
     * running turn waiting 30 s for its connection (declared after its defaults).
     */
    public static final ReconnectPolicy DEFAULT = new ReconnectPolicy(8, Duration.ofMillis(100), Duration.ofSeconds(5), 16);

    public ReconnectPolicy {
        if (maxAttempts < 1 || concurrentResumes < 1 || resumeAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts, concurrentResumes and resumeAttempts must be at least 1");
        }
        if (initialDelay.isNegative() || maxDelay.isNegative()) {
            throw new IllegalArgumentException("delays must not be negative");
        }
        if (Objects.requireNonNull(resumeTimeout, "resumeTimeout").isNegative() || resumeTimeout.isZero()) {
            throw new IllegalArgumentException("resumeTimeout must be positive");
        }
        if (Objects.requireNonNull(reattachWindow, "reattachWindow").isNegative()) {
            throw new IllegalArgumentException("reattachWindow must not be negative");
        }
    }

    /** The reconnect and resume settings given, with the default re-attach window. */
    public ReconnectPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay, int concurrentResumes,
                           Duration resumeTimeout, int resumeAttempts) {
        this(maxAttempts, initialDelay, maxDelay, concurrentResumes, resumeTimeout, resumeAttempts, DEFAULT_REATTACH_WINDOW);
    }

    /** The reconnect attempts and concurrency given, each resume with the default timeout and tries. */
    public ReconnectPolicy(int maxAttempts, Duration initialDelay, Duration maxDelay, int concurrentResumes) {
        this(maxAttempts, initialDelay, maxDelay, concurrentResumes, DEFAULT_RESUME_TIMEOUT, DEFAULT_RESUME_ATTEMPTS);
    }

    /** This policy with each resume after a reconnect given {@code timeout} per try and {@code attempts} tries. */
    public ReconnectPolicy withResumes(Duration timeout, int attempts) {
        return new ReconnectPolicy(maxAttempts, initialDelay, maxDelay, concurrentResumes, timeout, attempts, reattachWindow);
    }

    /**
     * This policy with a running turn waiting up to {@code window} for its dropped connection to
     * come back; {@link Duration#ZERO} ends such a turn at the drop.
     */
    public ReconnectPolicy withReattachWindow(Duration window) {
        return new ReconnectPolicy(maxAttempts, initialDelay, maxDelay, concurrentResumes, resumeTimeout, resumeAttempts, window);
    }

    /** The wait before attempt {@code attempt} (1-based); the first attempt waits little. */
    Duration delayBefore(int attempt) {
        return new RetryPolicy(maxAttempts, initialDelay, maxDelay).delayBefore(attempt);
    }
}
