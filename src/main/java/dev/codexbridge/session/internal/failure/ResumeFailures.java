package dev.codexbridge.session.internal.failure;

import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.rpc.RpcError;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.store.LeaseWait;

/** What a failed {@code thread/resume} says happened: codex has no record of the thread, another host holds it, or codex failed. */
public final class ResumeFailures {
    private ResumeFailures() {
    }

    /** What a failed resume of {@code thread} says happened: codex has no record of it, another host holds it, or codex failed. */
    public static String resumeFailed(String thread, Throwable cause) {
        return notStored(cause)
                ? "codex has no record of thread " + UntrustedText.of(thread) + " (it was never written down, or belongs to another CODEX_HOME)"
                : LeaseWait.refusal(cause) != null ? "thread " + UntrustedText.of(thread) + " is held by another host"
                : "codex could not resume thread " + UntrustedText.of(thread);
    }

    /**
     * Whether codex answered that it has no record of the thread: it never wrote the thread down
     * (codex 0.169: -32600 "no rollout found for thread id …" for a thread without a file,
     * -32603 "failed to read thread: … rollout at … is empty" for one whose file has no complete
     * first line). Recognised by codex's words, not by the code alone: both codes mean other
     * things too.
     */
    public static boolean notStored(Throwable cause) {
        if (!(cause instanceof RpcException e) || e.error() == null) {
            return false;
        }
        String m = e.error().message();
        return e.code() == RpcError.INVALID_REQUEST && m.contains("no rollout found for thread id")
                || e.code() == RpcError.INTERNAL_ERROR && m.contains("rollout at ") && m.contains(" is empty");
    }
}
