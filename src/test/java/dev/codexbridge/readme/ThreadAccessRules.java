package dev.codexbridge.readme;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadAccess;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.transport.CodexEndpoint;
import java.nio.file.Path;
import java.util.function.Consumer;

/** docs/tenants.md, "Thread ids are capabilities": one rule of whose a thread is, given to a session, a pool and the tenants. */
final class ThreadAccessRules {
    /** The host's record of who owns each thread. */
    interface ThreadOwners {
        String ownerOf(String threadId);
    }

    private ThreadAccessRules() {
    }

    static void guard(ThreadOwners store, CodexClient shared, CodexEndpoint endpoint, Path homesRoot, String user, String id,
                      Consumer<CodexSession.Builder> configure) {
        // docs/tenants.md#thread-access:BEGIN
        ThreadAccess rule = ThreadAccess.owners(threadId -> store.ownerOf(threadId));   // unknown: refused
        CodexSession s = CodexSession.builder().client(shared).resumeThread(id).threadAccess(rule, user).build();
        CodexPool pool = CodexPool.builder().endpoint("a", endpoint).threadAccess(rule).build();
        pool.resumeSession(user, id, configure);
        CodexTenants tenants = CodexTenants.builder().homesRoot(homesRoot).threadAccess(rule).build();   // caller: the tenant id
        // docs/tenants.md#thread-access:END
        s.close();
        pool.close();
        tenants.close();
    }
}
