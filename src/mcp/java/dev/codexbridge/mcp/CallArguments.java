package dev.codexbridge.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.AskForApproval;
import dev.codexbridge.protocol.SandboxPolicy;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The {@code codex} tool's arguments as codex's settings. {@code model}, {@code cwd},
 * {@code sandbox} and {@code approval-policy} are turn settings of codex's, applied to the
 * conversation's first turn (and kept by codex for the next ones); {@code base-instructions},
 * {@code developer-instructions}, {@code profile} (a profile of the host's {@code config.toml}),
 * {@code config} (per-thread {@code config.toml} overrides) and {@code compact-prompt} set up the
 * conversation's thread, on top of the host's thread options. Each only when the host lets callers
 * set it; a call carrying one it does not is refused with the reason, never run with it silently left out.
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

    /** Every setting a caller can be let give. */
    static final Set<String> ALL_SETTINGS = union(TURN_SETTINGS, THREAD_SETTINGS);

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.TreeSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    /**
     * The thread settings among {@code args} as a change of the host's thread options, or null when
     * there are none. Refusals of settings the host does not let callers give are {@link #turnOptions}'s.
     */
    static @Nullable UnaryOperator<ThreadOptions> threadChange(@Nullable Map<String, Object> args) {
        if (args == null || args.keySet().stream().noneMatch(THREAD_SETTINGS::contains)) {
            return null;
        }
        String base = text(args, "base-instructions");
        String developer = text(args, "developer-instructions");
        String profile = text(args, "profile");
        String compact = text(args, "compact-prompt");
        Object config = args.get("config");
        if (config != null && !(config instanceof Map)) {
            throw new McpCallException("config must be an object of config.toml keys (dotted keys work) and their values");
        }
        Map<?, ?> overrides = config == null ? Map.of() : (Map<?, ?>) config;
        return t -> {
            ThreadOptions.Builder b = t.toBuilder();
            if (base != null) {
                b.baseInstructions(base);
            }
            if (developer != null) {
                b.developerInstructions(developer);
            }
            if (profile != null) {
                b.config("profile", profile);
            }
            if (compact != null) {
                b.config("compact_prompt", compact);
            }
            overrides.forEach((k, v) -> b.config(String.valueOf(k), v));
            return b.build();
        };
    }

    static TurnOptions turnOptions(@Nullable Map<String, Object> args, Set<String> allowed, Path serverCwd) {
        TurnOptions.Builder b = TurnOptions.builder();
        if (args == null) {
            return b.build();
        }
        List<String> refused = new ArrayList<>();
        for (String name : args.keySet()) {
            if (ALL_SETTINGS.contains(name) && !allowed.contains(name)) {
                refused.add(name);
            }
        }
        if (!refused.isEmpty()) {
            throw new McpCallException("this server does not let callers set " + String.join(", ", refused.stream().sorted().toList())
                    + ": the host keeps them" + (allowed.isEmpty() ? "" : "; callers may set "
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
