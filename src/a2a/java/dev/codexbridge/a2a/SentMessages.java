package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Which task each caller's message became, by its principal and its {@code messageId} (decision
 * 0117), so that a message sent again — its caller got no answer: a cut connection, a timeout, a
 * replica that stopped — is answered with the task the first became, as it is now, and never runs
 * a second turn. The store's record ({@link ContextStore#taskOfMessage}) says it across restarts and
 * replicas; this replica's own messages being accepted right now are waited for (a copy that arrives
 * meanwhile joins the first), and those accepted lately are remembered until the store has them. A
 * task that ended with its message not run ({@code safeToSendAgain}) lets go of its id: sent again,
 * the message is a new task.
 */
final class SentMessages {
    /** How long a copy waits for this replica to accept the first: a hand-over and the store's calls fit in it. */
    private static final Duration ACCEPT_WAIT = Duration.ofSeconds(60);
    private final ContextStore store;
    private final Map<Key, CompletableFuture<@Nullable A2aTask>> accepting = new ConcurrentHashMap<>();
    private final Map<Key, String> recent;

    private record Key(String principal, String messageId) {
    }

    /** Over {@code store}, the messages accepted lately remembered up to {@code recentMax}. */
    SentMessages(ContextStore store, int recentMax) {
        this.store = store;
        this.recent = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, String> eldest) {
                return size() > recentMax;
            }
        });
    }

    /**
     * What {@code principal}'s {@code message} is: the task an earlier copy of it became
     * ({@link Claim#earlier}), or this call's to make ({@link Claim#made}, and {@link Claim#close}
     * whatever happens). {@code taskOf} reads one of the principal's tasks by id, as a task read
     * answers it.
     *
     * @throws A2aError when the message's id was sent before with other parts or into another context,
     *                  or a copy being accepted here does not settle within {@link #ACCEPT_WAIT}
     */
    Claim claim(String principal, JsonNode message, Function<String, A2aTask> taskOf) {
        String id = message.path("messageId").asText("");
        if (id.isEmpty()) {
            // no identity to go by (a caller past the bindings' check): every such message is its own
            return new Claim(null, null, null);
        }
        Key key = new Key(principal, id);
        while (true) {
            CompletableFuture<@Nullable A2aTask> mine = new CompletableFuture<>();
            CompletableFuture<@Nullable A2aTask> first = accepting.putIfAbsent(key, mine);
            if (first != null) {
                A2aTask joined = await(first, id);
                if (joined != null) {
                    return new Claim(null, null, same(joined, message));
                }
                // the first copy was refused before it became a task: this one tries in its place
                continue;
            }
            try {
                A2aTask earlier = earlier(key, taskOf);
                if (earlier != null) {
                    accepting.remove(key, mine);
                    mine.complete(earlier);
                    return new Claim(null, null, same(earlier, message));
                }
            } catch (RuntimeException e) {
                accepting.remove(key, mine);
                mine.complete(null);
                throw e;
            }
            return new Claim(key, mine, null);
        }
    }

    /** The task the message became before, when it is still kept and its message ran (or may have). */
    private @Nullable A2aTask earlier(Key key, Function<String, A2aTask> taskOf) {
        String taskId = recent.get(key);
        if (taskId == null) {
            taskId = store.taskOfMessage(key.principal(), key.messageId()).orElse(null);
        }
        if (taskId == null) {
            return null;
        }
        A2aTask t;
        try {
            t = taskOf.apply(taskId);
        } catch (A2aError e) {
            if (e.code() == A2aError.TASK_NOT_FOUND) {
                // forgotten since (past the store's bounds): the message is new again
                return null;
            }
            throw e;
        }
        if (t.ended() && TaskEnd.notRun(t.state(), t.snapshot(0).path("metadata"))) {
            recent.remove(key, taskId);
            return null;
        }
        return t;
    }

    private static @Nullable A2aTask await(CompletableFuture<@Nullable A2aTask> first, String messageId) {
        try {
            return first.get(ACCEPT_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw stillAccepting(messageId);
        } catch (TimeoutException e) {
            throw stillAccepting(messageId);
        } catch (ExecutionException e) {
            return null;
        }
    }

    private static A2aError stillAccepting(String messageId) {
        return new A2aError(A2aError.UNSUPPORTED, "message " + messageId + " is still being accepted here: nothing more was run; send it again "
                + "in 2 s, and it is answered with its task", Map.of("messageId", messageId, "retryAfterSeconds", "2"));
    }

    /**
     * {@code earlier}, when {@code message} is the message it was made of sent again: the same parts,
     * into its context (or none). Another message under the same id is refused, not taken for it.
     */
    private static A2aTask same(A2aTask earlier, JsonNode message) {
        String context = message.path("contextId").asText("");
        if (!context.isEmpty() && !context.equals(earlier.contextId)) {
            throw A2aError.invalidParams("message " + message.path("messageId").asText() + " was sent before into another context ("
                    + earlier.contextId + "): a new message needs a new messageId");
        }
        JsonNode first = earlier.snapshot(null).path("history").path(0);
        if (first.path("messageId").asText().equals(message.path("messageId").asText()) && !first.path("parts").equals(message.path("parts"))) {
            throw A2aError.invalidParams("message " + message.path("messageId").asText() + " was sent before with other parts (task "
                    + earlier.id + "): a new message needs a new messageId");
        }
        return earlier;
    }

    /** Whether the caller's message {@code messageId} is in {@code task}'s history: the task was made of it, or took it as an answer. */
    static boolean took(A2aTask task, String messageId) {
        if (messageId.isEmpty()) {
            return false;
        }
        for (JsonNode h : task.snapshot(null).path("history")) {
            if (h.path("role").asText().equals("user") && h.path("messageId").asText().equals(messageId)) {
                return true;
            }
        }
        return false;
    }

    /** A message's claim: the task an earlier copy became, or this call's to make. */
    final class Claim implements AutoCloseable {
        private final @Nullable Key key;
        private final @Nullable CompletableFuture<@Nullable A2aTask> mine;
        private final @Nullable A2aTask earlier;

        private Claim(@Nullable Key key, @Nullable CompletableFuture<@Nullable A2aTask> mine, @Nullable A2aTask earlier) {
            this.key = key;
            this.mine = mine;
            this.earlier = earlier;
        }

        /** The task the message became before: it is answered with it, nothing run. */
        @Nullable A2aTask earlier() {
            return earlier;
        }

        /** The message became {@code task}: copies waiting here and sent from now on are answered with it. */
        void made(A2aTask task) {
            if (key != null && mine != null) {
                recent.put(key, task.id);
                accepting.remove(key, mine);
                mine.complete(task);
            }
        }

        /** Another replica's task of this message was saved first ({@link PostgresContextStore.SentBefore}): that task, read as a read would. */
        A2aTask theirs(Function<String, A2aTask> taskOf) {
            String id = key == null ? null : store.taskOfMessage(key.principal(), key.messageId()).orElse(null);
            if (id == null) {
                // let go since (its task ended not run): this copy is refused, and runs when sent again
                throw new A2aError(A2aError.UNSUPPORTED, "this message was taken by another replica at the same moment: nothing was run; "
                        + "send it again", Map.of("retryAfterSeconds", "1"));
            }
            A2aTask t = taskOf.apply(id);
            made(t);
            return t;
        }

        /** Done: a message that did not become a task lets its waiting copies try in its place. */
        @Override
        public void close() {
            if (key != null && mine != null && accepting.remove(key, mine)) {
                mine.complete(null);
            }
        }
    }
}
