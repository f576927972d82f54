package dev.codexbridge.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps one host MCP server definition to codex's {@code [mcp_servers.<name>]} keys. Keys codex has
 * no equivalent for are skipped and named (never their values: they may be secrets).
 */
final class ServerTranslator {
    /** A whole value that is an environment reference: {@code ${env:NAME}}, {@code ${NAME}} or {@code $NAME}. */
    private static final Pattern ENV_REF = Pattern.compile("^\\$(?:\\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\\}|([A-Za-z_][A-Za-z0-9_]*))$");
    private static final Pattern BEARER_ENV_REF = Pattern.compile(
            "^(?i:bearer)\\s+\\$(?:\\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\\}|([A-Za-z_][A-Za-z0-9_]*))$");
    private static final Pattern ANY_VARIABLE = Pattern.compile("\\$\\{[^}]*\\}");

    private static final Set<String> SILENTLY_DROPPED = Set.of("description", "name", "title", "icon");

    private ServerTranslator() {
    }

    /** What became of one server. {@code keys} is empty and {@code error} set when it cannot be migrated. */
    record Result(String name, Map<String, Object> keys, Map<String, Map<String, Object>> toolTables,
                  List<String> skipped, List<String> warnings, String error) {
        boolean ok() {
            return error == null;
        }
    }

    static Result translate(String name, JsonNode def) {
        Builder b = new Builder(name);
        if (name.isEmpty()) {
            return b.fail("a server needs a non-empty name");
        }
        if (def == null || def.isNull()) {
            return b.fail("no command or url");
        }
        if (!def.isObject()) {
            return b.fail("definition is not an object");
        }
        String command = b.text(def, "command");
        String url = b.text(def, "url");
        if (url == null) {
            url = b.text(def, "serverUrl");
        }
        String type = b.text(def, "type");
        if (type == null) {
            type = b.text(def, "transport");
        }
        if (command != null && url != null) {
            return b.fail("both command and url are set; a server is either stdio or HTTP");
        }
        if (command == null && url == null) {
            return b.fail("no command or url");
        }
        String kind = type == null ? null : type.toLowerCase(Locale.ROOT).replace("_", "-");
        if (kind != null && command != null && !kind.equals("stdio")) {
            return b.fail("type \"" + type + "\" needs a url, but the server has a command");
        }
        if (kind != null && url != null && kind.equals("stdio")) {
            return b.fail("type \"stdio\" needs a command, but the server has a url");
        }
        if (kind != null && !Set.of("stdio", "http", "streamable-http", "streamablehttp", "sse").contains(kind)) {
            b.skip("type (unknown transport \"" + type + "\")");
        }
        if ("sse".equals(kind)) {
            b.warn("sse transport: codex speaks streamable HTTP, which most SSE servers also serve; check the server works");
        }
        return command != null ? b.stdio(command, def) : b.http(url, def);
    }

    private static final class Builder {
        private final String name;
        private final Map<String, Object> keys = new LinkedHashMap<>();
        private final Map<String, Map<String, Object>> tools = new LinkedHashMap<>();
        private final List<String> skipped = new ArrayList<>();
        private final List<String> warnings = new ArrayList<>();
        private final Set<String> handled = new HashSet<>(Set.of(
                "command", "url", "serverUrl", "type", "transport"));

        Builder(String name) {
            this.name = name;
        }

        Result fail(String error) {
            return new Result(name, Map.of(), Map.of(), skipped, warnings, error);
        }

        void skip(String what) {
            skipped.add(what);
        }

        void warn(String what) {
            warnings.add(what);
        }

        String text(JsonNode def, String key) {
            JsonNode v = def.get(key);
            if (v == null || v.isNull()) {
                return null;
            }
            if (v.isValueNode() && !v.isTextual()) {
                return v.asText();
            }
            if (!v.isTextual()) {
                return null;
            }
            String s = v.textValue();
            return s.isEmpty() ? null : s;
        }

        Result stdio(String command, JsonNode def) {
            keys.put("command", command);
            noteVariables("command", command);
            JsonNode args = def.get("args");
            handled.add("args");
            if (args != null && !args.isNull()) {
                List<String> list = stringList(args);
                if (list == null) {
                    skip("args (not a list of strings)");
                } else if (!list.isEmpty()) {
                    list.forEach(a -> noteVariables("args", a));
                    keys.put("args", list);
                }
            }
            env(def.get("env"));
            String cwd = text(def, "cwd");
            handled.add("cwd");
            if (cwd != null) {
                noteVariables("cwd", cwd);
                keys.put("cwd", cwd);
            }
            if (def.has("headers")) {
                handled.add("headers");
                skip("headers (only HTTP servers send headers)");
            }
            return common(def);
        }

        Result http(String url, JsonNode def) {
            if (ANY_VARIABLE.matcher(url).find()) {
                return fail("url contains a variable (" + variablesIn(url) + ") that codex would not expand");
            }
            keys.put("url", url);
            handled.add("headers");
            JsonNode headers = def.get("headers");
            if (headers != null && !headers.isNull()) {
                if (!headers.isObject()) {
                    skip("headers (not an object)");
                } else {
                    Map<String, Object> literal = new LinkedHashMap<>();
                    Map<String, Object> fromEnv = new LinkedHashMap<>();
                    for (Iterator<Map.Entry<String, JsonNode>> it = headers.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> h = it.next();
                        String header = h.getKey();
                        if (!h.getValue().isValueNode() || h.getValue().isNull()) {
                            skip("headers." + header + " (not a string)");
                            continue;
                        }
                        String value = h.getValue().asText();
                        Matcher bearer = BEARER_ENV_REF.matcher(value.strip());
                        Matcher whole = ENV_REF.matcher(value.strip());
                        if (header.equalsIgnoreCase("authorization") && bearer.matches()) {
                            keys.put("bearer_token_env_var", group(bearer));
                        } else if (whole.matches()) {
                            fromEnv.put(header, group(whole));
                        } else if (ANY_VARIABLE.matcher(value).find()) {
                            skip("headers." + header + " (uses " + variablesIn(value) + ", which codex cannot expand)");
                        } else {
                            if (header.equalsIgnoreCase("authorization")) {
                                warn("headers.Authorization holds a literal credential, now written to config.toml; "
                                        + "prefer \"Bearer ${env:NAME}\" so codex reads it from the environment");
                            }
                            literal.put(header, value);
                        }
                    }
                    if (!literal.isEmpty()) {
                        keys.put("http_headers", literal);
                    }
                    if (!fromEnv.isEmpty()) {
                        keys.put("env_http_headers", fromEnv);
                    }
                }
            }
            String tokenVar = text(def, "bearer_token_env_var");
            handled.add("bearer_token_env_var");
            if (tokenVar != null) {
                keys.put("bearer_token_env_var", tokenVar);
            }
            for (String stdioOnly : List.of("args", "env", "cwd", "envFile")) {
                if (def.has(stdioOnly)) {
                    handled.add(stdioOnly);
                    skip(stdioOnly + " (only stdio servers take it)");
                }
            }
            return common(def);
        }

        private void env(JsonNode env) {
            handled.add("env");
            if (env == null || env.isNull()) {
                return;
            }
            if (!env.isObject()) {
                skip("env (not an object)");
                return;
            }
            Map<String, Object> literal = new LinkedHashMap<>();
            List<String> passThrough = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = env.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = e.getKey();
                JsonNode v = e.getValue();
                if (v == null || v.isNull() || !v.isValueNode()) {
                    skip("env." + key + " (not a string)");
                    continue;
                }
                String value = v.asText();
                Matcher ref = ENV_REF.matcher(value.strip());
                if (ref.matches()) {
                    String source = group(ref);
                    if (source.equals(key)) {
                        passThrough.add(key);
                    } else {
                        skip("env." + key + " (refers to " + source
                                + "; codex passes variables through only under their own name)");
                    }
                } else if (ANY_VARIABLE.matcher(value).find()) {
                    skip("env." + key + " (uses " + variablesIn(value) + ", which codex cannot expand)");
                } else {
                    literal.put(key, value);
                }
            }
            if (!literal.isEmpty()) {
                keys.put("env", literal);
            }
            if (!passThrough.isEmpty()) {
                keys.put("env_vars", passThrough);
            }
        }

        private Result common(JsonNode def) {
            seconds(def, "connect_timeout", "startup_timeout_sec", 1);
            seconds(def, "startup_timeout_sec", "startup_timeout_sec", 1);
            seconds(def, "startup_timeout_ms", "startup_timeout_sec", 1000);
            seconds(def, "timeout", "tool_timeout_sec", 1);
            seconds(def, "tool_timeout_sec", "tool_timeout_sec", 1);
            seconds(def, "tool_timeout_ms", "tool_timeout_sec", 1000);

            Boolean enabled = bool(def, "enabled");
            Boolean disabled = bool(def, "disabled");
            if (Boolean.FALSE.equals(enabled) || Boolean.TRUE.equals(disabled)) {
                keys.put("enabled", false);
            }

            List<String> allow = toolList(def, "enabled_tools", "enabledTools", "includeTools");
            List<String> deny = toolList(def, "disabled_tools", "disabledTools", "excludeTools");
            JsonNode toolsNode = def.get("tools");
            if (toolsNode != null && toolsNode.isObject()) {
                handled.add("tools");
                List<String> include = toolsNode.has("include") ? stringList(toolsNode.get("include")) : null;
                List<String> exclude = toolsNode.has("exclude") ? stringList(toolsNode.get("exclude")) : null;
                if (include != null) {
                    allow = include;
                }
                if (exclude != null) {
                    deny = exclude;
                }
                toolsNode.fieldNames().forEachRemaining(f -> {
                    if (!f.equals("include") && !f.equals("exclude")) {
                        skip("tools." + f + " (unknown key)");
                    }
                });
            }
            if (allow != null) {
                keys.put("enabled_tools", allow);
            }
            if (deny != null && !deny.isEmpty()) {
                keys.put("disabled_tools", deny);
            }
            for (String approveKey : List.of("alwaysAllow", "autoApprove")) {
                JsonNode list = def.get(approveKey);
                if (list == null) {
                    continue;
                }
                handled.add(approveKey);
                List<String> names = stringList(list);
                if (names == null) {
                    skip(approveKey + " (not a list of tool names)");
                    continue;
                }
                for (String tool : names) {
                    tools(tool).put("approval_mode", "approve");
                }
            }
            for (Iterator<String> it = def.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (handled.contains(key) || SILENTLY_DROPPED.contains(key)) {
                    continue;
                }
                switch (key) {
                    case "sampling" -> skip("sampling (no codex equivalent)");
                    case "envFile" -> skip("envFile (codex does not read env files; put the variables in env)");
                    case "inputs", "roots", "oauth", "auth" -> skip(key + " (no codex equivalent)");
                    default -> skip(key + " (unknown key)");
                }
            }
            return new Result(name, keys, tools, skipped, warnings, null);
        }

        private Map<String, Object> tools(String tool) {
            return this.tools.computeIfAbsent(tool, t -> new LinkedHashMap<>());
        }

        private void seconds(JsonNode def, String from, String to, double divisor) {
            JsonNode v = def.get(from);
            if (v == null) {
                return;
            }
            handled.add(from);
            Double d = null;
            if (v.isNumber()) {
                d = v.doubleValue();
            } else if (v.isTextual()) {
                try {
                    d = Double.parseDouble(v.textValue().strip());
                } catch (NumberFormatException ignored) {
                    d = null;
                }
            }
            if (d == null || !Double.isFinite(d) || d < 0) {
                skip(from + " (not a non-negative number)");
                return;
            }
            keys.put(to, d / divisor);
        }

        private Boolean bool(JsonNode def, String key) {
            JsonNode v = def.get(key);
            if (v == null) {
                return null;
            }
            handled.add(key);
            if (v.isBoolean()) {
                return v.booleanValue();
            }
            skip(key + " (not true or false)");
            return null;
        }

        private List<String> toolList(JsonNode def, String... keys) {
            List<String> out = null;
            for (String k : keys) {
                JsonNode v = def.get(k);
                if (v == null) {
                    continue;
                }
                handled.add(k);
                List<String> list = stringList(v);
                if (list == null) {
                    skip(k + " (not a list of tool names)");
                } else {
                    out = list;
                }
            }
            return out;
        }

        private void noteVariables(String where, String value) {
            if (ANY_VARIABLE.matcher(value).find()) {
                warn(where + " uses " + variablesIn(value) + ", which codex passes on literally");
            }
        }

        private static List<String> stringList(JsonNode v) {
            if (!v.isArray()) {
                return null;
            }
            List<String> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (!e.isValueNode() || e.isNull()) {
                    return null;
                }
                out.add(e.asText());
            }
            return out;
        }

        private static String group(Matcher m) {
            return m.group(1) != null ? m.group(1) : m.group(2);
        }

        private static String variablesIn(String value) {
            Matcher m = ANY_VARIABLE.matcher(value);
            List<String> found = new ArrayList<>();
            while (m.find()) {
                found.add(m.group());
            }
            return String.join(", ", found);
        }
    }
}
