package dev.codexbridge.store.spi;

import java.util.concurrent.atomic.LongAdder;

/**
 * What a store's leases went through in this process, for a host's metrics
 * ({@code ConversationStore.leaseCounts()}): how often a lease was refused because another host
 * held it (each refusal a caller then waited on, or was told "in use"), how often this process asked
 * a holder for a conversation, how often a lease was given back while asked for (a hand-over), and
 * how often a lease was taken over a lapsed one that was never given back (a failover: its host
 * died, stalled or was cut off). A store that hears of asks and releases as they happen (PostgreSQL's
 * notifications, decision 0118) counts those too: an ask of a lease it holds heard at once, and a
 * release heard that a wait of its own waited for. A store counts them as it grants, refuses and
 * releases leases.
 */
public final class LeaseCounts {
    private final LongAdder refused = new LongAdder();
    private final LongAdder asked = new LongAdder();
    private final LongAdder handedOver = new LongAdder();
    private final LongAdder takenOver = new LongAdder();
    private final LongAdder asksHeard = new LongAdder();
    private final LongAdder releasesHeard = new LongAdder();

    /** Leases refused because another host held the conversation. */
    public long refused() {
        return refused.sum();
    }

    /** Asks this process made for a conversation another host held ({@code ConversationStore.askHandOver}). */
    public long asked() {
        return asked.sum();
    }

    /** Leases this process gave back while another host asked for the conversation. */
    public long handedOver() {
        return handedOver.sum();
    }

    /** Leases this process took over a lapsed lease its holder never gave back. */
    public long takenOver() {
        return takenOver.sum();
    }

    /** Asks for a conversation this process held, heard as they were made rather than at a renewal (decision 0118). */
    public long asksHeard() {
        return asksHeard.sum();
    }

    /** Releases of a conversation this process waited for, heard as they were made rather than at its next look (decision 0118). */
    public long releasesHeard() {
        return releasesHeard.sum();
    }

    public void countRefused() {
        refused.increment();
    }

    public void countAsked() {
        asked.increment();
    }

    public void countHandedOver() {
        handedOver.increment();
    }

    public void countTakenOver() {
        takenOver.increment();
    }

    public void countAskHeard() {
        asksHeard.increment();
    }

    public void countReleaseHeard() {
        releasesHeard.increment();
    }

    @Override
    public String toString() {
        return "LeaseCounts[refused=" + refused() + ", asked=" + asked() + ", handedOver=" + handedOver() + ", takenOver=" + takenOver()
                + ", asksHeard=" + asksHeard() + ", releasesHeard=" + releasesHeard() + "]";
    }
}
