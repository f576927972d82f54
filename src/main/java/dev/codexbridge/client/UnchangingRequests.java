package dev.codexbridge.client;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The requests codex answers the same after it was started again with nothing loaded (decision
 * 0079): reads of what lives on disk or in its config, and {@code thread/loaded/list} (an idle
 * restart happens only once codex itself answered it with nothing). A host polling them, as a
 * dashboard does, does not keep codex from being quiet for {@link IdleRestarts}: each such request
 * and its answer are counted here and taken off the connection's message count. Thread-safe.
 */
final class UnchangingRequests {
    /** The methods counted; anything else sent or read keeps codex from being quiet. */
    static final Set<String> METHODS = Set.of("thread/loaded/list", "thread/list", "thread/read", "thread/turns/list",
            "thread/items/list", "model/list", "config/read", "account/read", "account/rateLimits/read",
            "experimentalFeature/list", "skills/list", "fs/readFile", "fs/getMetadata", "fs/readDirectory");

    private final AtomicLong sent = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Whether {@code method} is one of them: then the caller ends it with {@link #answered} whatever happens. */
    boolean sending(String method) {
        if (!METHODS.contains(method)) {
            return false;
        }
        // counted before it is written: a look never sees its message without it
        inFlight.incrementAndGet();
        sent.incrementAndGet();
        return true;
    }

    /** One counted request is over (answered, failed or never written); after its answer was read. */
    void answered() {
        inFlight.decrementAndGet();
    }

    /** What is counted now: read before the connection's own counts, then {@link Mark#activity} with them. */
    Mark mark() {
        return new Mark(inFlight.get(), sent.get());
    }

    /** The counts before the connection's were read. */
    final class Mark {
        private final int inFlightBefore;
        private final long sentBefore;

        private Mark(int inFlightBefore, long sentBefore) {
            this.inFlightBefore = inFlightBefore;
            this.sentBefore = sentBefore;
        }

        /**
         * {@code said} (messages read and sent on the connection, read after the mark) less what
         * these requests account for, each one sent and its answer; or -1 while one is in flight or
         * one went out meanwhile, when the figure cannot be told apart from other traffic.
         */
        long activity(long said) {
            if (inFlightBefore > 0 || inFlight.get() > 0 || sent.get() != sentBefore) {
                return -1;
            }
            return said - 2 * sentBefore;
        }
    }
}
