package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.CodexException;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.store.ConversationLeasedException;
import dev.codexbridge.store.ConversationStoreException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The per-principal bounds and the refusal of a thread id that is not the caller's, with a source that opens nothing. */
class ConversationsTest {
    private final List<String> resumes = new ArrayList<>();
    private final McpSessions refusing = new McpSessions() {
        @Override
        public CodexSession open(String principal, @Nullable ApprovalHandler caller) {
            throw new IllegalStateException("no codex here");
        }

        @Override
        public CodexSession resume(String principal, String threadId, @Nullable ApprovalHandler caller) {
            resumes.add(principal + ":" + threadId);
            throw new IllegalStateException("thread access denied");
        }

        @Override
        public boolean callerApprovals() {
            return false;
        }
    };

    @Test
    void turnsAtOnceAreBoundedPerPrincipal() {
        try (Conversations c = new Conversations(refusing, McpLimits.DEFAULTS.withTurnsPerPrincipal(2), Runnable::run, new PendingElicitations())) {
            c.beginTurn("alice");
            c.beginTurn("alice");
            assertThatThrownBy(() -> c.beginTurn("alice")).isInstanceOf(McpCallException.class)
                    .hasMessage("too many turns running for you at once (2, the limit is 2); wait for one to end");
            c.beginTurn("bob");
            c.endTurn("alice");
            c.beginTurn("alice");
        }
    }

    @Test
    void aThreadIdTheSourceRefusesIsNotFoundWithoutSayingWhy() {
        try (Conversations c = new Conversations(refusing, McpLimits.DEFAULTS, Runnable::run, new PendingElicitations())) {
            assertThatThrownBy(() -> c.find("bob", "thread-of-alice")).isInstanceOf(McpCallException.class)
                    .hasMessage("no conversation with thread id thread-of-alice (start one with the codex tool)");
            assertThat(resumes).containsExactly("bob:thread-of-alice");
            assertThat(c.held("bob", "thread-of-alice")).isEmpty();
        }
    }

    @Test
    void aConversationAwakeOnAnotherReplicaIsInUseThereNotMissing() {
        Instant until = Instant.parse("2099-11-26T07:10:00Z");
        McpSessions leasedElsewhere = resumeThrows(threadId -> new CodexException("the conversation could not be woken",
                new ConversationLeasedException(threadId, "replica-a", until)));
        try (Conversations c = new Conversations(leasedElsewhere, McpLimits.DEFAULTS, Runnable::run, new PendingElicitations())) {
            String thread = "0199a213-81c0-7800-8aa1-bbab2a035a53";
            assertThatThrownBy(() -> c.find("alice", thread)).isInstanceOf(McpCallException.class)
                    .hasMessage("conversation " + thread + " is in use on another replica of this server; try again once its turn "
                            + "there has ended (at the latest after 2099-11-26T07:10:00Z)");
            assertThat(c.held("alice", thread)).isEmpty();
        }
    }

    /** Seen in the replicas' chaos run: a replica cut from PostgreSQL answered "no conversation", inviting a new one. */
    @Test
    void aStoreThatDoesNotAnswerIsSaidSoAndNotAMissingConversation() {
        McpSessions storeDown = resumeThrows(threadId -> new ConversationStoreException(threadId, "reading the owner of conversation "
                + threadId + " failed: codex-bridge-store - Connection is not available, request timed out after 30000ms", null));
        try (Conversations c = new Conversations(storeDown, McpLimits.DEFAULTS, Runnable::run, new PendingElicitations())) {
            String thread = "0199a213-81c0-7800-8aa1-bbab2a035a53";
            assertThatThrownBy(() -> c.find("alice", thread)).isInstanceOf(McpCallException.class)
                    .hasMessage("conversation " + thread + " cannot be reached now: the conversation store did not answer; nothing was run; "
                            + "try again");
        }
    }

    /** A source that opens nothing and answers every resume with {@code failure} of the thread id. */
    private static McpSessions resumeThrows(java.util.function.Function<String, RuntimeException> failure) {
        return new McpSessions() {
            @Override
            public CodexSession open(String principal, @Nullable ApprovalHandler caller) {
                throw new IllegalStateException("no codex here");
            }

            @Override
            public CodexSession resume(String principal, String threadId, @Nullable ApprovalHandler caller) {
                throw failure.apply(threadId);
            }

            @Override
            public boolean callerApprovals() {
                return false;
            }
        };
    }

    @Test
    void aHoldThatRunsOutWithinALeaseIsWaitedForAndTheResumeTriedAgain() {
        List<Instant> holds = new java.util.concurrent.CopyOnWriteArrayList<>();
        McpSessions heldByADeadReplica = new McpSessions() {
            @Override
            public CodexSession open(String principal, @Nullable ApprovalHandler caller) {
                throw new IllegalStateException("no codex here");
            }

            @Override
            public CodexSession resume(String principal, String threadId, @Nullable ApprovalHandler caller) {
                if (holds.isEmpty()) {
                    // a dead replica's lease, with a moment left: it is not renewed again
                    Instant until = Instant.now().plusMillis(300);
                    holds.add(until);
                    throw new CodexException("the conversation could not be woken", new ConversationLeasedException(threadId, "replica-a", until));
                }
                holds.add(Instant.now());
                throw new IllegalStateException("tried again once the hold had run out");
            }

            @Override
            public boolean callerApprovals() {
                return false;
            }
        };
        try (Conversations c = new Conversations(heldByADeadReplica, McpLimits.DEFAULTS, Runnable::run, new PendingElicitations())) {
            String thread = "0199a213-81c0-7800-8aa1-bbab2a035a53";
            assertThatThrownBy(() -> c.find("alice", thread)).as("the second try's answer, not \"in use\"")
                    .isInstanceOf(McpCallException.class).hasMessageStartingWith("no conversation with thread id");
            assertThat(holds).hasSize(2);
            assertThat(holds.get(1)).as("tried again once the hold had ended").isAfter(holds.get(0));
        }
    }

    @Test
    void limitsAreChecked() {
        assertThatThrownBy(() -> McpLimits.DEFAULTS.withConversationsPerPrincipal(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> McpLimits.DEFAULTS.withElicitationDeadline(java.time.Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
