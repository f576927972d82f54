package dev.codexbridge.session;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.internal.custody.ThreadCustody;
import dev.codexbridge.session.internal.thread.CustodyLetGo;
import dev.codexbridge.session.internal.thread.ThreadLink;

/** What the tests of the session's internal rooms reach of this package's rooms above them. */
public final class SessionRoomsForTests {
    private SessionRoomsForTests() {
    }

    /** {@link CustodyLetGo#sleepThenLetGo} over a shared link to {@code from}. */
    public static void sleepThenLetGoShared(ThreadCustody custody, CodexClient from, String threadId, boolean closing) {
        CustodyLetGo.sleepThenLetGo(custody, from, threadId, ThreadLink.shared(from), closing);
    }
}
