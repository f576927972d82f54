package dev.codexbridge.a2a;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.WeakHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Push notification configs, per task and only its owner's, and the notifications they send: on
 * every status change and artifact of the task, each config's webhook gets the task (a config set
 * through 0.3) or the event as a {@code StreamResponse} (1.0), through {@link Webhooks}. With a
 * store the replicas share, the configs are kept there, whichever replica a caller set them on,
 * and the replica running the task delivers them: it reads its running tasks' configs again on
 * every tick ({@link SharedTasks}).
 */
final class A2aPush implements AutoCloseable {
    private final A2aAgent agent;
    private final PushOptions options;
    private final Webhooks webhooks;
    // weak keys: a task the agent forgot takes its configs with it
    private final Map<A2aTask, List<PushConfig>> configs = Collections.synchronizedMap(new WeakHashMap<>());
    private final @Nullable TaskBoard board;
    /** How configs are kept on the board: sealed (decision 0104). */
    private final @Nullable PushSeals seals;

    /** With a shared store ({@code agent.shared()}), {@code keys} seal the configs kept there: required. */
    A2aPush(A2aAgent agent, PushOptions options, @Nullable SealingKeys keys) {
        this.agent = agent;
        this.options = options;
        this.webhooks = new Webhooks(options);
        SharedTasks shared = agent.shared();
        this.board = shared == null ? null : shared.board();
        if (shared != null && keys == null) {
            throw new IllegalStateException("push configs kept in a shared store need sealing keys");
        }
        this.seals = shared == null || keys == null ? null : new PushSeals(keys);
        if (shared != null) {
            shared.onTick(this::refresh);
            // a dead replica's task settled here: its webhooks hear its end from here
            shared.onTakeOver(t -> {
                List<PushConfig> kept = kept(List.of(t.id)).getOrDefault(t.id, List.of());
                if (!kept.isEmpty()) {
                    List<PushConfig> list = delivering(t);
                    synchronized (list) {
                        list.addAll(kept);
                    }
                }
            });
        }
    }

    Webhooks webhooks() {
        return webhooks;
    }

    PushConfig set(String principal, A2aVersion.PushRequest r, A2aVersion version) {
        A2aTask task = agent.task(principal, r.taskId());
        if (r.scheme() != null && r.credentials() == null || r.scheme() == null && r.credentials() != null) {
            throw A2aError.invalidParams("the push config's authentication needs both a scheme and credentials");
        }
        if (r.scheme() != null && !r.scheme().matches("[A-Za-z][A-Za-z0-9._~+-]*")) {
            throw A2aError.invalidParams("the push config's authentication scheme is not an HTTP auth scheme: " + r.scheme());
        }
        if (r.credentials() != null && r.credentials().chars().anyMatch(c -> c < ' ' || c > '~')
                || r.token() != null && r.token().chars().anyMatch(c -> c < ' ' || c > '~')) {
            throw A2aError.invalidParams("the push config's token and credentials must be printable ASCII");
        }
        PushConfig c = new PushConfig(r.id() == null ? UUID.randomUUID().toString() : r.id(), task.id, webhooks.check(r.url()),
                r.token(), r.scheme(), r.credentials(), version);
        if (board != null) {
            // kept where every replica reads it, counted there; the replica running the task delivers it
            board.savePush(seals.seal(principal, c), options.configsPerTask());
            if (!task.elsewhere()) {
                List<PushConfig> list = delivering(task);
                synchronized (list) {
                    list.removeIf(x -> x.id().equals(c.id()));
                    list.add(c);
                }
            }
            return c;
        }
        List<PushConfig> list = delivering(task);
        synchronized (list) {
            list.removeIf(x -> x.id().equals(c.id()));
            if (list.size() >= options.configsPerTask()) {
                throw new A2aError(A2aError.UNSUPPORTED, "task " + task.id + " has " + options.configsPerTask()
                        + " push configs already; delete one first");
            }
            list.add(c);
        }
        return c;
    }

    PushConfig get(String principal, @Nullable String taskId, @Nullable String id) {
        List<PushConfig> all = list(principal, taskId);
        if (id == null && all.size() == 1) {
            return all.get(0);
        }
        // A2A 1.0 §3.1.8: a config that does not exist is "not found"
        return all.stream().filter(c -> c.id().equals(id)).findFirst()
                .orElseThrow(() -> new A2aError(A2aError.TASK_NOT_FOUND, "task " + taskId + " has no push config " + id,
                        java.util.Map.of("taskId", String.valueOf(taskId), "pushNotificationConfigId", String.valueOf(id))));
    }

    /** The configs a task's updates go to, kept with the task here (its observer set when the first is made). */
    private List<PushConfig> delivering(A2aTask task) {
        List<PushConfig> list;
        boolean first = false;
        synchronized (configs) {
            list = configs.get(task);
            if (list == null) {
                list = new ArrayList<>();
                configs.put(task, list);
                first = true;
            }
        }
        if (first) {
            // outside the map's lock: the observer runs under the task's monitor and takes the map's
            task.observe(e -> heard(task, e));
        }
        return list;
    }

    /** The running tasks' configs as the shared store has them now: those set on another replica too. */
    private void refresh() {
        List<A2aTask> running = agent.running();
        Map<String, List<PushConfig>> kept = kept(running.stream().map(t -> t.id).toList());
        for (A2aTask t : running) {
            List<PushConfig> now = kept.getOrDefault(t.id, List.of());
            if (now.isEmpty() && configs.get(t) == null) {
                continue;
            }
            List<PushConfig> list = delivering(t);
            synchronized (list) {
                list.clear();
                list.addAll(now);
            }
        }
    }

    /** These tasks' configs on the shared board, those that open. */
    private Map<String, List<PushConfig>> kept(List<String> taskIds) {
        return seals.open(board.pushConfigs(taskIds));
    }

    List<PushConfig> list(String principal, @Nullable String taskId) {
        A2aTask task = agent.task(principal, taskId);
        if (board != null) {
            return kept(List.of(task.id)).getOrDefault(task.id, List.of());
        }
        List<PushConfig> list = configs.get(task);
        if (list == null) {
            return List.of();
        }
        synchronized (list) {
            return List.copyOf(list);
        }
    }

    /** 1.0's {@code ListTaskPushNotificationConfigsResponse}: every config on one page (there are few per task). */
    ObjectNode listPage(String principal, @Nullable String taskId, A2aVersion version) {
        ObjectNode out = A2aWire.object();
        ArrayNode a = out.putArray("configs");
        list(principal, taskId).forEach(c -> a.add(version.pushConfig(c)));
        out.put("nextPageToken", "");
        return out;
    }

    /**
     * Removes a config; idempotent (A2A 1.0 §3.1.10): deleting one that is gone (or never was)
     * succeeds too. The task must still be the caller's. Without an id, the task's only config.
     */
    void delete(String principal, @Nullable String taskId, @Nullable String id) {
        A2aTask task = agent.task(principal, taskId);
        if (board != null) {
            board.deletePush(task.id, id);
        }
        List<PushConfig> list = configs.get(task);
        if (list == null) {
            return;
        }
        synchronized (list) {
            if (id == null && list.size() == 1) {
                list.clear();
            } else {
                list.removeIf(c -> c.id().equals(id));
            }
        }
    }

    /** Under the task's monitor: builds the payloads and queues them, nothing more. */
    private void heard(A2aTask task, ObjectNode event) {
        List<PushConfig> list = configs.get(task);
        if (list == null) {
            return;
        }
        List<PushConfig> now;
        synchronized (list) {
            now = List.copyOf(list);
        }
        byte[] v03 = null;
        byte[] v1 = null;
        try {
            for (PushConfig c : now) {
                if (c.version() == A2aVersion.V0_3) {
                    v03 = v03 != null ? v03 : A2aWire.JSON.writeValueAsBytes(task.snapshot(null));
                    webhooks.send(c, v03);
                } else {
                    v1 = v1 != null ? v1 : A2aWire.JSON.writeValueAsBytes(ProtoJson.event(event));
                    webhooks.send(c, v1);
                }
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a task's JSON could not be written", e);
        }
    }

    @Override
    public void close() {
        webhooks.close();
    }
}
