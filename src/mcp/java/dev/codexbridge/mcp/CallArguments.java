package dev.codexbridge.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.AskForApproval;
import dev.codexbridge.protocol.SandboxPolicy;
import dev.codexbridge.session.TurnOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code codex} tool's arguments as codex's turn settings. {@code model}, {@code cwd},
 * {@code sandbox} and {@code approval-policy} are turn settings of codex's, applied to the
 * conversation's first turn (and kept by codex for the next ones), each only when the host lets
 * callers set it. {@code base-instructions}, {@code developer-instructions}, {@code profile},
 * {@code config} and {@code compact-prompt} set up a thread, which the host's session source does:
 * a call carrying them is refused with that reason, never run with them silently left out.
 */
final class CallArguments {
    static final Set<String> TURN_SETTINGS = Set.of("model", "cwd", "sandbox", "approval-policy");
    static final Set<String> THREAD_SETTINGS = Set.of("base-instructions", "developer-instructions", "profile", "config", "compact-prompt");

    private CallArguments() {
    }

    static String prompt(@Nullable Map<String, Object> args) {
        Object p = args == null ? null : args.get("prompt");
        if (!(p instanceof String s) || s.isBlank()) {
            throw new McpCallException("the prompt argument is required (a non-empty string)");
        }
        return s;
    }

    static TurnOptions turnOptions(@Nullable Map<String, Object> args, Set<String> allowed, Path serverCwd) {
        TurnOptions.Builder b = TurnOptions.builder();
        if (args == null) {
            return b.build();
        }
        List<String> refused = new ArrayList<>();
        for (String name : args.keySet()) {
            if (THREAD_SETTINGS.contains(name) || TURN_SETTINGS.contains(name) && !allowed.contains(name)) {
                refused.add(name);
            }
        }
        if (!refused.isEmpty()) {
            throw new McpCallException("this server does not let callers set " + String.join(", ", refused.stream().sorted().toList())
                    + ": the host configures codex's threads" + (allowed.isEmpty() ? "" : "; callers may set "
                    + String.join(", ", allowed.stream().sorted().toList())));
        }
        String model = text(args, "model");
        if (model != null) {
            b.model(model);
        }
        String policy = text(args, "approval-policy");
        if (policy != null) {
            // on-failure is gone from codex; on-request is what codex itself points its users to
            String wire = "on-failure".equals(policy) ? "on-request" : policy;
            AskForApproval parsed = Json.convert(Json.nodes().textNode(wire), AskForApproval.class);
            if (parsed instanceof AskForApproval.Unknown || !Set.of("untrusted", "on-request", "never").contains(wire)) {
                throw new McpCallException("approval-policy must be untrusted, on-failure, on-request or never, not " + policy);
            }
            b.askForApproval(parsed);
        }
        String sandbox = text(args, "sandbox");
        if (sandbox != null) {
            b.sandboxPolicy(switch (sandbox) {
                case "read-only" -> new SandboxPolicy.ReadOnly(null);
                case "workspace-write" -> SandboxPolicy.WorkspaceWrite.builder().build();
                case "danger-full-access" -> new SandboxPolicy.DangerFullAccess();
                default -> throw new McpCallException("sandbox must be read-only, workspace-write or danger-full-access, not " + sandbox);
            });
        }
        String cwd = text(args, "cwd");
        if (cwd != null) {
            ObjectNode extra = Json.object();
            extra.put("cwd", serverCwd.resolve(cwd).toAbsolutePath().normalize().toString());
            b.extraParams(extra);
        }
        return b.build();
    }

    static @Nullable String text(Map<String, Object> args, String name) {
        Object v = args.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw new McpCallException(name + " must be a string");
        }
        return s;
    }

    static @Nullable JsonNode tree(@Nullable Object value) {
        return value == null ? null : Json.tree(value);
    }
}
