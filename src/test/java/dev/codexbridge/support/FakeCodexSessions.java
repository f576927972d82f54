package dev.codexbridge.support;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up of a test against the in-memory {@link FakeCodex}, as a JUnit extension: one fake
 * codex per test, the clients and sessions the test opens closed after it (the last opened first,
 * as try-with-resources would), the fake shut down, and then every request and notification the
 * library sent checked against codex's JSON schema. Register it first among the fields:
 * <pre>{@code
 * @RegisterExtension
 * final FakeCodexSessions fake = FakeCodexSessions.pinned().closing(() -> this.session);
 * private final FakeCodex codex = fake.codex();
 * }</pre>
 */
public final class FakeCodexSessions implements AfterEachCallback {
    private final FakeCodex codex = new FakeCodex();
    private final WireSchema schema;
    private final List<Supplier<? extends AutoCloseable>> closers = new ArrayList<>();

    private FakeCodexSessions(WireSchema schema) {
        this.schema = schema;
    }

    /** Checked against the pinned codex's stable schema. */
    public static FakeCodexSessions pinned() {
        return new FakeCodexSessions(WireSchema.pinned());
    }

    /** Checked against the pinned codex's schema with its experimental methods and fields. */
    public static FakeCodexSessions pinnedExperimental() {
        return new FakeCodexSessions(WireSchema.pinnedExperimental());
    }

    /** This test's fake codex. */
    public FakeCodex codex() {
        return codex;
    }

    /** Closes {@code resource} after the test; returns it. */
    public synchronized <T extends AutoCloseable> T track(T resource) {
        closers.add(() -> resource);
        return resource;
    }

    /**
     * Closes what each supplier holds after the test, if anything (for a field the test assigns:
     * {@code () -> this.session}); suppliers given earlier close later.
     */
    @SafeVarargs
    public final synchronized FakeCodexSessions closing(Supplier<? extends AutoCloseable>... held) {
        closers.addAll(List.of(held));
        return this;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        List<Supplier<? extends AutoCloseable>> toClose;
        synchronized (this) {
            toClose = new ArrayList<>(closers);
        }
        for (int i = toClose.size() - 1; i >= 0; i--) {
            AutoCloseable c = toClose.get(i).get();
            if (c != null) {
                c.close();
            }
        }
        codex.shutdown();
        schema.assertRequestsAndNotificationsValid(codex.received());
    }
}
