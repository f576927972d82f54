package dev.codexbridge.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.AskForApproval;
import dev.codexbridge.protocol.SandboxMode;
import dev.codexbridge.protocol.SandboxPolicy;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The {@code codex} tool's arguments as codex's settings. {@code model}, {@code cwd},
 * {@code sandbox} and {@code approval-policy} are turn settings of codex's, applied to the
 * conversation's first turn (and kept by codex for the next ones); {@code base-instructions},
 * {@code developer-instructions}, {@code config} (per-thread {@code config.toml} overrides) and
 * {@code compact-prompt} set up the conversation's thread, on top of the host's thread options.
 * Each only when the host lets callers set it; a call carrying one it does not is refused with the
 * reason, never run with it silently left out.
 *
 * <p>A remote caller (Streamable HTTP) may only narrow what the host set ({@link #turnOptions}):
 * a sandbox no wider and an approval setting no looser than the host's, a {@code cwd} whose real
 * path lies in the conversation's folder, and {@code config} keys from {@link #CALLER_CONFIG_KEYS}
 * only. The stdio client is the local user, who started the server: it keeps what
 * {@code codex mcp-server} let its client give.
 */
final class CallArguments {
    static final Set<String> TURN_SETTINGS = Set.of("model", "cwd", "sandbox", "approval-policy");
    static final Set<String> THREAD_SETTINGS = Set.of("base-instructions", "developer-instructions", "config", "compact-prompt");

    /**
     * The {@code config.toml} keys a remote caller may give: how the configured model reasons and
     * talks, nothing else. Everything that starts a program ({@code mcp_servers}, {@code notify},
     * hooks), reaches a network address ({@code model_providers}, {@code *base_url}, web search,
     * {@code otel}), chooses the provider or credentials ({@code model_provider}, {@code env_*}),
     * the sandbox or approvals ({@code sandbox*}, {@code approval_policy}, permissions), the
     * commands' environment ({@code shell_environment_policy}) or loads other config
     * ({@code profile}, {@code profiles}) stays out.
     */
    static final Set<String> CALLER_CONFIG_KEYS = Set.of("model_reasoning_effort", "model_reasoning_summary", "model_verbosity",
            "model_auto_compact_token_limit", "hide_agent_reasoning", "show_raw_agent_reasoning", "personality");

    /** Every setting a caller can be let give. */
    static final Set<String> ALL_SETTINGS = union(TURN_SETTINGS, THREAD_SETTINGS);

    private CallArguments() {
    }

    static String prompt(@Nullable Map<String, Object> args) {
        Object p = args == null ? null : args.get("prompt");
        if (!(p instanceof String s) || s.isBlank()) {
            throw new McpCallException("the prompt argument is required (a non-empty string)");
        }
        return s;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    /** Refuses a call giving a setting the host does not let callers give, naming each. */
    static void refuseUnlisted(@Nullable Map<String, Object> args, Set<String> allowed) {
        if (args == null) {
            return;
        }
        if (args.containsKey("profile")) {
            // codex 0.169.0 refuses a profile on thread/start whatever it names; the tool no longer offers it
            throw new McpCallException("profile is not a setting of this server: codex refuses a profile per thread; the host's "
                    + "own config.toml decides (give the settings themselves in config where the host allows)");
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
    }

    /**
     * The thread settings among {@code args} as a change of the host's thread options, or null when
     * there are none; for a {@code remote} caller, {@code config} keys outside
     * {@link #CALLER_CONFIG_KEYS} (or with a value that is not a plain string, number or boolean)
     * are refused here, before any thread is opened.
     */
    static @Nullable UnaryOperator<ThreadOptions> threadChange(@Nullable Map<String, Object> args, boolean remote) {
        if (args == null || args.keySet().stream().noneMatch(THREAD_SETTINGS::contains)) {
            return null;
        }
        String base = text(args, "base-instructions");
        String developer = text(args, "developer-instructions");
        String compact = text(args, "compact-prompt");
        Object config = args.get("config");
        if (config != null && !(config instanceof Map)) {
            throw new McpCallException("config must be an object of config.toml keys (dotted keys work) and their values");
        }
        Map<?, ?> overrides = config == null ? Map.of() : (Map<?, ?>) config;
        if (remote) {
            checkCallerConfig(overrides);
        }
        return t -> {
            ThreadOptions.Builder b = t.toBuilder();
            if (base != null) {
                b.baseInstructions(base);
            }
            if (developer != null) {
                b.developerInstructions(developer);
            }
            if (compact != null) {
                b.config("compact_prompt", compact);
            }
            overrides.forEach((k, v) -> b.config(String.valueOf(k), v));
            return b.build();
        };
    }

    private static void checkCallerConfig(Map<?, ?> overrides) {
        List<String> refused = new ArrayList<>();
        for (Map.Entry<?, ?> e : overrides.entrySet()) {
            String key = String.valueOf(e.getKey());
            Object v = e.getValue();
            boolean plain = v instanceof String || v instanceof Number || v instanceof Boolean;
            if (!CALLER_CONFIG_KEYS.contains(key) || !plain) {
                refused.add(key);
            }
        }
        if (!refused.isEmpty()) {
            throw new McpCallException("config " + String.join(", ", refused.stream().sorted().toList()) + " refused: callers may give "
                    + "only " + String.join(", ", new TreeSet<>(CALLER_CONFIG_KEYS)) + ", each a plain value (nothing that starts "
                    + "a program, reaches a network, or changes the provider, sandbox, environment or credentials)");
        }
    }

    /**
     * The turn settings among {@code args}. For a {@code remote} caller each may only narrow
     * {@code host}, the conversation's thread options: a sandbox no wider than the host's
     * (read-only when the host left it to codex's config), an approval setting no looser
     * ({@code untrusted} when the host left it to codex's config), and a {@code cwd} resolved
     * against the host's folder whose real path, links followed, lies inside it. The stdio client
     * gets what it asks, a relative {@code cwd} taken from {@code serverCwd}.
     */
    static TurnOptions turnOptions(@Nullable Map<String, Object> args, ThreadOptions host, Path serverCwd, boolean remote) {
        TurnOptions.Builder b = TurnOptions.builder();
        if (args == null) {
            return b.build();
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
            if (remote && strictness(parsed) < strictness(host.askForApproval())) {
                throw new McpCallException("approval-policy " + policy + " refused: callers may only make codex ask more often than "
                        + "the host's setting (" + describe(host.askForApproval()) + ")");
            }
            b.askForApproval(parsed);
        }
        String sandbox = text(args, "sandbox");
        if (sandbox != null) {
            SandboxMode mode = switch (sandbox) {
                case "read-only" -> SandboxMode.READ_ONLY;
                case "workspace-write" -> SandboxMode.WORKSPACE_WRITE;
                case "danger-full-access" -> SandboxMode.DANGER_FULL_ACCESS;
                default -> throw new McpCallException("sandbox must be read-only, workspace-write or danger-full-access, not " + sandbox);
            };
            if (remote && width(mode) > width(host.sandbox())) {
                throw new McpCallException("sandbox " + sandbox + " refused: callers may only narrow the host's sandbox ("
                        + (host.sandbox() == null ? "codex's configured one, so read-only only" : host.sandbox().wire()) + ")");
            }
            b.sandboxPolicy(switch (mode) {
                case READ_ONLY -> new SandboxPolicy.ReadOnly(null);
                case WORKSPACE_WRITE -> SandboxPolicy.WorkspaceWrite.builder().build();
                default -> new SandboxPolicy.DangerFullAccess();
            });
        }
        String cwd = text(args, "cwd");
        if (cwd != null) {
            ObjectNode extra = Json.object();
            extra.put("cwd", remote ? contained(host.cwd(), cwd).toString() : serverCwd.resolve(cwd).toAbsolutePath().normalize().toString());
            b.extraParams(extra);
        }
        return b.build();
    }

    /** {@code asked} resolved against {@code folder}: an existing directory whose real path is inside the folder's, or refused. */
    static Path contained(Path folder, String asked) {
        Path root;
        Path real;
        try {
            root = folder.toRealPath();
            Path target = folder.resolve(asked);
            if (!Files.isDirectory(target)) {
                throw new McpCallException("cwd " + asked + " refused: not a folder inside this conversation's folder");
            }
            real = target.toRealPath();
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new McpCallException("cwd " + asked + " refused: not a folder inside this conversation's folder");
        }
        if (!real.startsWith(root)) {
            // links followed: a link inside the folder that leads out is refused like ../
            throw new McpCallException("cwd " + asked + " refused: it leads outside this conversation's folder");
        }
        return real;
    }

    /** How often codex asks: a caller's setting must be at least the host's. Unknown (codex's config) counts as the strictest. */
    private static int strictness(@Nullable AskForApproval a) {
        if (a instanceof AskForApproval.Never) {
            return 0;
        }
        if (a instanceof AskForApproval.OnRequest) {
            return 1;
        }
        return 2;
    }

    private static String describe(@Nullable AskForApproval a) {
        return a == null ? "codex's configured one, so untrusted only" : Json.tree(a).isTextual() ? Json.tree(a).asText() : "granular, so untrusted only";
    }

    /** How much a sandbox lets commands write: a caller's must be at most the host's. Unknown (codex's config) counts as the narrowest. */
    private static int width(@Nullable SandboxMode m) {
        if (m == SandboxMode.DANGER_FULL_ACCESS) {
            return 2;
        }
        return m == SandboxMode.WORKSPACE_WRITE ? 1 : 0;
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
