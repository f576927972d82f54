package dev.codexbridge.spring;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.protocol.ServerNotifications;
import dev.codexbridge.protocol.TurnCompletedNotification;
import dev.codexbridge.protocol.TurnStartedNotification;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Which threads have a turn running, from codex's {@code turn/started} and {@code turn/completed}
 * on each client sessions were opened on: what shutdown waits for. Read locally, so a shutdown
 * asks codex nothing ({@code CodexSession#runningTurnId} would be a request per session).
 */
final class RunningTurns {
    private static final Set<String> METHODS =
            Set.of(ServerNotifications.TURN_STARTED.method(), ServerNotifications.TURN_COMPLETED.method());

    private final Map<String, String> turnByThread = new ConcurrentHashMap<>();
    private final List<Consumer<TurnCompletedNotification>> completions = new CopyOnWriteArrayList<>();
    private final Set<CodexClient> watched = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

    /** Follows {@code client}'s turns from now on (once per client). */
    void watch(CodexClient client) {
        if (watched.add(client)) {
            client.subscribe(METHODS, this::onEvent);
        }
    }

    private void onEvent(CodexEvent event) {
        if (event instanceof CodexEvent.Notification n) {
            if (n.params() instanceof TurnStartedNotification s && s.threadId() != null && s.turn() != null) {
                turnByThread.put(s.threadId(), s.turn().id());
            } else if (n.params() instanceof TurnCompletedNotification c && c.threadId() != null) {
                turnByThread.remove(c.threadId());
                completions.forEach(l -> l.accept(c));
            }
        }
    }

    /** {@code listener} hears every {@code turn/completed} of the watched clients (on the host pool). */
    void onCompleted(Consumer<TurnCompletedNotification> listener) {
        completions.add(listener);
    }

    /** Whether codex is running a turn on {@code threadId}, as far as its notifications said. */
    boolean running(String threadId) {
        return threadId != null && turnByThread.containsKey(threadId);
    }
}
