package dev.codexbridge.a2a;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push configs as a shared store keeps them: each sealed whole (its webhook URL, token, scheme and
 * credentials) with the operator's {@link SealingKeys}, bound to its principal, task and id, so the
 * database holds none of a caller's secrets, and a row changed, moved onto another task or written
 * by anyone without the key is never used: it is left out, and the log says why once (decision 0104).
 */
final class PushSeals {
    private static final Logger LOG = LoggerFactory.getLogger(PushSeals.class);
    /** Rows already warned about, so a replica's tick does not repeat itself; bounded. */
    private static final int WARNED_KEPT = 1024;

    private final SealingKeys keys;
    private final Set<String> warned = Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > WARNED_KEPT;
        }
    }));

    PushSeals(SealingKeys keys) {
        this.keys = keys;
    }

    TaskBoard.StoredPush seal(String principal, PushConfig c) {
        byte[] plain;
        try {
            plain = A2aWire.JSON.writeValueAsBytes(c.toJson());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a push config's JSON could not be written", e);
        }
        return new TaskBoard.StoredPush(c.taskId(), principal, c.id(), keys.seal(plain, record(principal, c.taskId(), c.id())));
    }

    /** The configs each task's rows open to; a row that does not open is left out (and logged). */
    Map<String, List<PushConfig>> open(Map<String, List<TaskBoard.StoredPush>> stored) {
        Map<String, List<PushConfig>> out = new LinkedHashMap<>();
        stored.forEach((task, rows) -> {
            List<PushConfig> opened = new ArrayList<>();
            for (TaskBoard.StoredPush row : rows) {
                PushConfig c = open(row);
                if (c != null) {
                    opened.add(c);
                }
            }
            if (!opened.isEmpty()) {
                out.put(task, opened);
            }
        });
        return out;
    }

    private @Nullable PushConfig open(TaskBoard.StoredPush row) {
        String why;
        try {
            byte[] plain = keys.open(row.text(), record(row.principal(), row.taskId(), row.configId()));
            JsonNode json = A2aWire.JSON.readTree(new String(plain, StandardCharsets.UTF_8));
            PushConfig c = PushConfig.fromJson(json);
            if (c.id().equals(row.configId()) && c.taskId().equals(row.taskId())) {
                return c;
            }
            why = "it names another config";
        } catch (SealingKeys.Unopened e) {
            why = e.getMessage();
        } catch (IOException | IllegalArgumentException e) {
            why = "what it seals is not a push config";
        }
        if (warned.add(row.taskId() + "\0" + row.configId() + "\0" + why)) {
            LOG.warn("push config {} of task {} in the A2A context store is not used: {}", row.configId(), row.taskId(), why);
        }
        return null;
    }

    private static byte[] record(String principal, String taskId, String configId) {
        return SealingKeys.record("codex-bridge a2a push config", principal, taskId, configId);
    }
}
