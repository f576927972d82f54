package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.codexbridge.FailureKind;
import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.ThreadOpenException;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.store.ConversationLease;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.DiskConversationStore;
import dev.codexbridge.store.LeaseWait;
import dev.codexbridge.support.FakeCodex;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CodexSessions#resume} of a conversation another instance holds, two instances on one disk
 * store and an in-memory codex: a hold that runs out within the bound (an instance that stopped
 * without giving its lease back) is waited for and the resume succeeds; a conversation another
 * instance keeps awake, or a hold renewed past the bound, fails within it as
 * {@link ThreadOpenException} saying until when ({@link ThreadOpenException#heldUntil()}).
 */
class ResumeHeldElsewhereTest {
    private static final String THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a53";

    @TempDir
    Path tmp;

    private final FakeCodex codex = new FakeCodex();
    private final List<CodexSessions> instances = new CopyOnWriteArrayList<>();
    private CodexClient client;
    private DiskConversationStore store;

    @BeforeEach
    void setUp() {
        codex.threadId = THREAD;
        codex.scriptDelayMs = 0;
        store = DiskConversationStore.open(tmp.resolve("store"));
        client = CodexClient.builder().transport(codex.factory()).connect();
    }

    @AfterEach
    void tearDown() {
        for (CodexSessions instance : instances) {
            for (CodexSession s : instance.openSessions()) {
                try {
                    s.closeGracefully().get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // the in-memory codex has no files to store: the close's store fails, which is not what is tested here
                }
            }
        }
        client.close();
        store.close();
        codex.shutdown();
    }

    @Test
    void aHoldThatRunsOutWithinTheBoundIsWaitedForAndTheResumeSucceeds() {
        // an instance that stopped without giving its lease back: nobody renews it
        store.lease(THREAD, "instance-b", Duration.ofMillis(1500));
        Duration bound = Duration.ofSeconds(60);
        CodexSessions sessions = instance("instance-a").leaseWait(bound);
        long started = System.nanoTime();

        CodexSession resumed = sessions.resume(THREAD);

        // measured against the bound, which a wait that is not for the hold would spend: a slow machine only makes the tries slower
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("waited for the hold to run out, not for the bound")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1300)).isLessThan(bound);
        assertThat(resumed.threadId()).isEqualTo(THREAD);
        assertThat(sessions.openSessions()).containsExactly(resumed);
        assertThatThrownBy(() -> store.lease(THREAD, "instance-b", Duration.ofSeconds(5))).as("this instance holds it now")
                .isInstanceOf(ConversationLeasedException.class).hasMessageContaining("instance-a");
    }

    @Test
    void aConversationAnotherInstanceKeepsAwakeIsRefusedAtOnceSayingUntilWhen() {
        CodexSessions a = instance("instance-a");
        CodexSessions b = instance("instance-b");
        String thread = a.open().threadId();       // awake on instance A, its lease renewed while it is
        long started = System.nanoTime();

        ThreadOpenException refused = catchThrowableOfType(() -> b.resume(thread), ThreadOpenException.class);

        // a wait for A's lease would spend the whole bound: a refusal before it is one without a wait, however slow the machine
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("A's lease ends past the 10 s: no wait")
                .isLessThan(LeaseWait.DEFAULT_BOUND);
        assertThat(refused.kind()).isEqualTo(FailureKind.ALREADY_OPEN);
        ConversationLeasedException held = catchThrowableOfType(() -> store.lease(thread, "someone", Duration.ofSeconds(5)),
                ConversationLeasedException.class);
        assertThat(refused.heldUntil()).as("A's lease, as the store tells it").isEqualTo(held.expiresAt()).isAfter(Instant.now());
        assertThat(refused.getMessage()).contains("is held by another host").contains("leased to instance-a until " + held.expiresAt());
        assertThat(b.openSessions()).as("nothing left open on B").isEmpty();
        assertThat(LeaseWait.DEFAULT_BOUND).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aHoldRenewedPastTheBoundFailsWithinIt() throws Exception {
        // a live instance: a short lease, renewed often enough that a renewal late by 2 s on a slow machine does not let it run out
        AtomicReference<ConversationLease> held = new AtomicReference<>(store.lease(THREAD, "instance-b", Duration.ofMillis(2100)));
        Instant first = held.get().expiresAt();
        ScheduledExecutorService renewing = Executors.newSingleThreadScheduledExecutor();
        try {
            renewing.scheduleAtFixedRate(() -> held.set(store.renew(held.get(), Duration.ofMillis(2100))), 100, 100, TimeUnit.MILLISECONDS);
            // a renewal due within the bound: the resume is tried again until the bound is spent
            Duration bound = Duration.ofMillis(3000);
            CodexSessions sessions = instance("instance-a").leaseWait(bound);
            long started = System.nanoTime();

            ThreadOpenException refused = catchThrowableOfType(() -> sessions.resume(THREAD), ThreadOpenException.class);

            // the hold never runs out: tries that went on past the bound would never end (the 60 s only catches that)
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("tried while the hold might run out, refused once the bound was spent")
                    .isBetween(Duration.ofMillis(500), bound.plusSeconds(60));
            assertThat(refused.kind()).isEqualTo(FailureKind.ALREADY_OPEN);
            assertThat(refused.heldUntil()).as("the renewed lease's expiry").isAfter(first);
            assertThat(sessions.openSessions()).isEmpty();
        } finally {
            renewing.shutdownNow();
            renewing.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** An instance of the application: its session factory on the shared codex, its conversations in the store as {@code holder}. */
    private CodexSessions instance(String holder) {
        CodexSessions sessions = new CodexSessions(client, null, ThreadOptions.builder().cwd(tmp).build(),
                TurnLimits.of(Duration.ofSeconds(30), Duration.ZERO), Duration.ZERO, ApprovalPolicy.failClosed(), null)
                .storage(ConversationStorage.builder(store, holder).build());
        instances.add(sessions);
        return sessions;
    }
}
