package dev.codexbridge.session.internal;

import dev.codexbridge.session.TurnFailure;
import dev.codexbridge.session.TurnResult;
import org.jspecify.annotations.Nullable;

/**
 * The package-private members of the session's API types that the machinery under
 * {@code session.internal} calls, reached without making them public: the API package grants its
 * one implementation ({@code dev.codexbridge.session.MachineryAccess}) when that class is first
 * initialized, which {@link #get()} brings about. A host has no use for it, and it is no API
 * (decision 0106).
 */
public abstract class ApiAccess {
    private static final String GRANT = "dev.codexbridge.session.MachineryAccess";
    private static volatile @Nullable ApiAccess granted;

    protected ApiAccess() {
        if (!getClass().getName().equals(GRANT)) {
            throw new IllegalStateException("only the session package grants access to its members");
        }
    }

    /** The API package's grant, initializing it on first use. */
    public static ApiAccess get() {
        ApiAccess access = granted;
        if (access == null) {
            try {
                Class.forName(GRANT, true, ApiAccess.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(GRANT + " is missing from the library", e);
            }
            access = granted;
            if (access == null) {
                throw new IllegalStateException(GRANT + " did not grant access");
            }
        }
        return access;
    }

    /** Called once, by the grant's static initializer. */
    public static void grant(ApiAccess access) {
        if (granted == null) {
            granted = access;
        }
    }

    /** {@code failure} with {@code advice} in place of its remediation. */
    public abstract TurnFailure withRemediation(TurnFailure failure, String advice);

    /** {@code completed}, whose store failed: completed still, saying its store failed. */
    public abstract TurnResult withStoreFailed(TurnResult completed);

    /** {@code completed} failed with {@code why}: its session can never store it. */
    public abstract TurnResult notKept(TurnResult completed, TurnFailure why);
}
