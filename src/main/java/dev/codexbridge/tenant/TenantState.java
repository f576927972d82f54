package dev.codexbridge.tenant;

import dev.codexbridge.internal.Remembered;
import dev.codexbridge.session.RateLimitGovernor;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link CodexTenants} keeps per tenant for the life of the instance: its processes (guarded
 * by the table's lock), its rate-limit governor (limits belong to the account, so it outlives the
 * processes), whether its home is prepared, and which process each of its threads was last opened on.
 */
final class TenantState {
    final String id;
    final String folderName;
    final RateLimitGovernor governor;
    final List<TenantProcess> processes = new ArrayList<>();
    /**
     * Thread id -> the process it was last opened on, so a resume goes back to the process that may
     * have it loaded: a hint, one map shared by every tenant and bounded ({@link CodexTenants.Builder#threadsRemembered});
     * a thread forgotten goes wherever the placement puts a resume of it.
     */
    final Remembered<String, TenantProcess> threadPlaces;
    /** Held while the home is prepared, so two first sessions of a tenant prepare it once. */
    final Object homeLock = new Object();
    /** The prepared home; null until then. */
    volatile TenantHome home;
    /** How often the home was prepared again after it was lost: a codex started on an earlier one runs on nothing. */
    volatile int homeGeneration;
    int nextProcessNumber = 1;

    TenantState(String id, String folderName, RateLimitGovernor governor, Remembered<String, TenantProcess> threadPlaces) {
        this.id = id;
        this.folderName = folderName;
        this.governor = governor;
        this.threadPlaces = threadPlaces;
    }

    int threads() {
        int n = 0;
        for (TenantProcess p : processes) {
            n += p.threads();
        }
        return n;
    }
}
