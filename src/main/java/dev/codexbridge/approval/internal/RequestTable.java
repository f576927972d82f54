package dev.codexbridge.approval.internal;

import dev.codexbridge.protocol.RequestMethod;
import dev.codexbridge.protocol.ServerRequestParams;
import dev.codexbridge.protocol.ServerRequests;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The bridge's table: exactly one {@link RequestEntry} per server request codex can send
 * ({@link ServerRequests#ALL}). It is built complete or not at all: a request without an entry,
 * with two, or with an entry for a method codex does not define fails when the bridge is made
 * (the session's start, and every test that makes one), so a request added to the protocol
 * cannot go unanswered by falling through.
 */
final class RequestTable {
    private final Map<String, RequestEntry<?>> byMethod;

    RequestTable(List<RequestEntry<?>> entries) {
        Map<String, RequestEntry<?>> table = new HashMap<>();
        for (RequestEntry<?> entry : entries) {
            String name = entry.method().method();
            RequestMethod<?, ?> defined = ServerRequests.BY_METHOD.get(name);
            if (!entry.method().equals(defined)) {
                throw new IllegalStateException("an entry for " + name + ", which is not a server request codex defines");
            }
            if (table.put(name, entry) != null) {
                throw new IllegalStateException("two entries for the server request " + name);
            }
        }
        Set<String> missing = new TreeSet<>(ServerRequests.BY_METHOD.keySet());
        missing.removeAll(table.keySet());
        if (!missing.isEmpty()) {
            throw new IllegalStateException("no entry for the server requests " + missing);
        }
        this.byMethod = Map.copyOf(table);
    }

    /** The entry of a request codex defines whose params decoded to its type; null for anything else. */
    RequestEntry<?> entryFor(String method, ServerRequestParams params) {
        RequestEntry<?> entry = method == null ? null : byMethod.get(method);
        return entry != null && entry.fits(params) ? entry : null;
    }
}
