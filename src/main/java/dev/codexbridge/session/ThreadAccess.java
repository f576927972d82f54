package dev.codexbridge.session;

import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.RolloutFile;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Who may do what with a thread. Codex lets any connection resume, read and follow any thread of
 * its app-server, so on an app-server shared by several users a thread id is a bearer capability:
 * whoever has it can read the conversation and answer the approvals its turn waits on. A host that
 * serves several users keeps, for each thread id, the user it belongs to, and gives a rule that
 * says so:
 *
 * <pre>{@code
 * ThreadAccess rule = ThreadAccess.owners(threadId -> owners.get(threadId));  // null: unknown, refused
 * CodexSession s = CodexSession.builder().client(shared).resumeThread(id).threadAccess(rule, user).build();
 * }</pre>
 *
 * <p>The rule is asked before a thread is resumed, read, followed or answered through
 * {@link CodexSession}, {@code CodexPool} and {@code CodexTenants}; a refusal is a
 * {@link ThreadAccessDeniedException} and nothing of the thread is read. A session's own new
 * thread is its caller's, and is not asked about. Rules run on the caller's thread and must be
 * quick (a map or cache lookup; {@link #storedOwner} asks the conversation store, one row or
 * manifest per check).
 */
@FunctionalInterface
public interface ThreadAccess {
    /** Every caller may do anything with every thread: codex's own behaviour, for a host that is the only user. */
    ThreadAccess ANYONE = (caller, threadId, operation) -> true;

    /**
     * Whether {@code caller} may do {@code operation} with {@code threadId}.
     *
     * @param caller the host's name for who asks (a user, a tenant), as given to the session; may be null
     */
    boolean allows(String caller, String threadId, ThreadOperation operation);

    /** A thread belongs to whom {@code ownerOfThread} says (null: nobody, refused); only its owner may use it. */
    static ThreadAccess owners(Function<String, String> ownerOfThread) {
        Objects.requireNonNull(ownerOfThread, "ownerOfThread");
        return (caller, threadId, operation) -> caller != null && caller.equals(ownerOfThread.apply(threadId));
    }

    /**
     * A thread belongs to the principal its conversation in {@code store} names
     * ({@link ConversationOwner#principal()}, as {@link ConversationStorage#owner()} stored it):
     * only a caller of that name may use it. Refused: a thread the store does not hold (a new
     * thread before its first store, or one never stored), a record that names no owner, a null
     * caller. Each check is one {@link ConversationStore#ownerOf} (a row, or a manifest: not the
     * lineage), on the caller's thread; a record that cannot be read throws the store's error.
     * Tenants are not compared: combine with a rule of the host's for that.
     */
    static ThreadAccess storedOwner(ConversationStore store) {
        Objects.requireNonNull(store, "store");
        return new ThreadAccess() {
            @Override
            public boolean allows(String caller, String threadId, ThreadOperation operation) {
                return caller != null && threadId != null && RolloutFile.isThreadId(threadId)
                        && store.ownerOf(threadId).map(owner -> owner.principal().equals(caller)).orElse(false);
            }

            @Override
            public @Nullable String refusal(String caller, String threadId, ThreadOperation operation) {
                return allows(caller, threadId, operation) ? null : ThreadAccessDeniedException.STORED_OWNER;
            }
        };
    }

    /**
     * Who refuses {@code operation}, for the refusal's message, or null when this rule allows it.
     * Default: {@code "the host's ThreadAccess rule"} when {@link #allows} says no; a rule of the
     * library's own (the tenants' scoping) names itself.
     */
    default @Nullable String refusal(String caller, String threadId, ThreadOperation operation) {
        return allows(caller, threadId, operation) ? null : ThreadAccessDeniedException.HOST_RULE;
    }

    /** This rule and {@code other}: both must allow; a refusal names the rule that refused. */
    default ThreadAccess and(ThreadAccess other) {
        Objects.requireNonNull(other, "other");
        ThreadAccess first = this;
        return new ThreadAccess() {
            @Override
            public boolean allows(String caller, String threadId, ThreadOperation operation) {
                return first.allows(caller, threadId, operation) && other.allows(caller, threadId, operation);
            }

            @Override
            public @Nullable String refusal(String caller, String threadId, ThreadOperation operation) {
                String refused = first.refusal(caller, threadId, operation);
                return refused != null ? refused : other.refusal(caller, threadId, operation);
            }
        };
    }

    /**
     * Throws a {@link ThreadAccessDeniedException} unless {@code rule} allows; a null rule allows.
     * For the library's entry points (pool, tenants) that check before they read anything.
     */
    static void require(ThreadAccess rule, String caller, String threadId, ThreadOperation operation) {
        String refusedBy = rule == null ? null : rule.refusal(caller, threadId, operation);
        if (refusedBy != null) {
            throw new ThreadAccessDeniedException(caller, threadId, operation, refusedBy);
        }
    }
}
