package dev.codexbridge.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.CodexException;
import dev.codexbridge.json.Json;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.ConversationOwner;
import dev.codexbridge.store.ConversationStore;
import dev.codexbridge.store.ConversationSummary;
import dev.codexbridge.store.RolloutFile;
import dev.codexbridge.store.StoredConversation;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * {@code threads list --store} and {@code threads read ID --store}: the conversations a store
 * holds, read without codex. What the store returns is shown escaped, as codex's text is: a
 * store is data at rest, written by whoever could write it.
 */
final class StoredThreads {
    /** A page when {@code --limit} is not given. */
    static final int PAGE = 100;

    private StoredThreads() {
    }

    /** One line per stored conversation, in thread-id order: id, when stored, version, bytes, owner, name. */
    static int list(StoreOptions options, ApiOptions api, @Nullable Long limit, @Nullable String cursor) {
        int page = limit == null ? PAGE : (int) Math.min(limit, 10_000);
        return withStore("threads list", options, api, store -> {
            List<ConversationSummary> found = store.list(cursor, page);
            String next = found.size() == page ? found.get(found.size() - 1).threadId() : null;
            PrintStream out = System.out;
            if (api.json) {
                ObjectNode result = Json.object();
                ArrayNode data = result.putArray("data");
                for (ConversationSummary c : found) {
                    ObjectNode o = data.addObject().put("threadId", c.threadId()).put("version", c.version()).put("files", c.files())
                            .put("lineageBytes", c.lineageBytes()).put("storedAt", c.storedAt().toString()).put("name", c.name());
                    owner(o, c.owner());
                }
                result.put("nextCursor", next);
                out.println(Json.write(result));
                return 0;
            }
            for (ConversationSummary c : found) {
                out.println(ApiText.escape(c.threadId()) + "  " + c.storedAt() + "  v" + c.version() + "  " + c.lineageBytes() + " B  "
                        + owner(c.owner()) + "  " + (c.name() == null ? "-" : ApiText.shorten(c.name(), ApiText.SHORT)));
            }
            if (next != null) {
                System.err.println("more conversations: --cursor " + ApiText.escape(next));
            }
            return 0;
        });
    }

    /** A stored conversation's record and its rollout files (paths, sizes, SHA-256), not their content. */
    static int read(StoreOptions options, ApiOptions api, String threadId) {
        if (!RolloutFile.isThreadId(threadId)) {
            System.err.println("codex-bridge threads read: " + ApiText.escape(threadId) + " is not a thread id (a lowercase UUID)");
            return 2;
        }
        return withStore("threads read", options, api, store -> {
            Optional<StoredConversation> found = store.get(threadId);
            if (found.isEmpty()) {
                System.err.println("codex-bridge threads read: the store holds no conversation " + threadId);
                return 1;
            }
            StoredConversation c = found.get();
            String awakeOn = ConversationStorage.lastAwakeOn(c).map(Object::toString).orElse(null);
            if (api.json) {
                ObjectNode o = Json.object().put("threadId", c.threadId()).put("version", c.version()).put("name", c.name())
                        .put("goal", c.goal()).put("lastCompletedTurnId", c.lastCompletedTurnId()).put("awakeOn", awakeOn);
                owner(o, c.owner());
                ArrayNode lineage = o.putArray("lineage");
                for (RolloutFile f : c.lineage()) {
                    lineage.addObject().put("relativePath", f.relativePath()).put("size", f.size()).put("sha256", f.sha256());
                }
                System.out.println(Json.write(o));
                return 0;
            }
            List<String> lines = new ArrayList<>();
            lines.add("thread: " + c.threadId());
            lines.add("owner: " + owner(c.owner()));
            lines.add("name: " + text(c.name()));
            lines.add("goal: " + text(c.goal()));
            lines.add("version: " + c.version());
            lines.add("last completed turn: " + text(c.lastCompletedTurnId()));
            // set when the host holding it stopped without a sleep: that app-server's copy is the newest
            lines.add("left awake on: " + text(awakeOn));
            lines.add("rollouts: " + c.lineage().size() + ", " + c.lineageBytes() + " B");
            for (RolloutFile f : c.lineage()) {
                lines.add("  " + ApiText.escape(f.relativePath()) + "  " + f.size() + " B  sha256 " + f.sha256());
            }
            lines.forEach(System.out::println);
            return 0;
        });
    }

    /** Opens the store, runs {@code body}, closes it; a store that cannot be opened is a usage error (2), one that fails a read 1. */
    private static int withStore(String command, StoreOptions options, ApiOptions api, Function<ConversationStore, Integer> body) {
        if (api.codexBin != null || api.codexHome != null) {
            System.err.println("codex-bridge " + command + ": --store is read without codex; leave out --codex-bin and --codex-home");
            return 2;
        }
        ConversationStore store;
        try {
            store = options.open();
        } catch (IllegalArgumentException e) {
            System.err.println("codex-bridge " + command + ": " + ApiText.escape(String.valueOf(e.getMessage())));
            return 2;
        }
        try (store) {
            return body.apply(store);
        } catch (CodexException e) {
            System.err.println("codex-bridge " + command + ": " + ApiText.escape(String.valueOf(e.getMessage())));
            return 1;
        }
    }

    private static String owner(@Nullable ConversationOwner owner) {
        if (owner == null) {
            return "-";
        }
        String principal = ApiText.escape(owner.principal());
        return owner.tenant() == null || owner.tenant().equals(owner.principal()) ? principal
                : principal + " (tenant " + ApiText.escape(owner.tenant()) + ")";
    }

    private static void owner(ObjectNode o, @Nullable ConversationOwner owner) {
        if (owner == null) {
            o.putNull("owner");
        } else {
            o.putObject("owner").put("principal", owner.principal()).put("tenant", owner.tenant());
        }
    }

    private static String text(@Nullable String value) {
        return value == null ? "-" : ApiText.shorten(value, ApiText.SHORT);
    }
}
