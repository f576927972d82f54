package dev.codexbridge.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexVersion;
import dev.codexbridge.protocol.ClientRequests;
import dev.codexbridge.protocol.CodexApi;
import dev.codexbridge.protocol.NotificationMethod;
import dev.codexbridge.protocol.RequestMethod;
import dev.codexbridge.protocol.ServerNotifications;
import dev.codexbridge.protocol.ServerRequests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Writes and reads {@code docs/protocol.md}: every method of the pinned codex (client requests,
 * server requests, notifications, from the generated {@code ClientRequests} / {@code ServerRequests}
 * / {@code ServerNotifications}) → its API in codex-bridge → what exercises it, found in the
 * recorded fixtures. {@code ProtocolDocTest} checks the committed file against it; regenerate with
 * {@code mvn -B -ntp -o test -Dtest=ProtocolDocTest -Dcodexbridge.writeProtocolDoc=true}.
 */
public final class ProtocolDoc {
    public static final Path FILE = Paths.get("docs", "protocol.md");
    public static final String NOT_EXERCISED = "typed, not exercised live";
    private static final Path FIXTURES = Paths.get("fixtures");

    /** One row: the wire method, its API, and what covers it. */
    public record Row(String method, String api, String coverage) {
    }

    private ProtocolDoc() {
    }

    // ---------------------------------------------------------------- APIs

    /** Wire method → the {@link CodexApi} method that sends it, found by calling every default method on a proxy. */
    public static Map<String, String> codexApiMethods() {
        Map<String, String> out = new TreeMap<>();
        RequestMethod<?, ?>[] captured = new RequestMethod<?, ?>[1];
        CodexApi api = (CodexApi) Proxy.newProxyInstance(CodexApi.class.getClassLoader(), new Class<?>[] {CodexApi.class}, (proxy, m, args) -> {
            if (m.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, m, args);
            }
            if (args != null && args.length > 0 && args[0] instanceof RequestMethod<?, ?> rm) {
                captured[0] = rm;
            }
            return null;
        });
        for (Method m : CodexApi.class.getMethods()) {
            if (!m.isDefault()) {
                continue;
            }
            captured[0] = null;
            try {
                m.invoke(api, new Object[m.getParameterCount()]);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot call " + m, e);
            }
            if (captured[0] != null) {
                String params = m.getParameterCount() == 0 ? "" : m.getParameterTypes()[0].getSimpleName();
                out.put(captured[0].method(), m.getName() + "(" + params + ")");
            }
        }
        return out;
    }

    /** The {@code ClientRequests} constant of each method. */
    private static Map<String, String> constants() {
        Map<String, String> out = new TreeMap<>();
        for (Field f : ClientRequests.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == RequestMethod.class) {
                try {
                    out.put(((RequestMethod<?, ?>) f.get(null)).method(), f.getName());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }

    private static final Map<String, String> SERVER_REQUEST_API = Map.ofEntries(
            Map.entry("item/commandExecution/requestApproval", "approval bridge: `ApprovalHandler`, `ApprovalKind.COMMAND`"),
            Map.entry("item/fileChange/requestApproval", "approval bridge: `ApprovalHandler`, `ApprovalKind.FILE_CHANGE`"),
            Map.entry("item/permissions/requestApproval", "approval bridge: `ApprovalHandler`, `ApprovalKind.PERMISSIONS`"),
            Map.entry("mcpServer/elicitation/request", "approval bridge: `ApprovalHandler`, `ApprovalKind.MCP_TOOL_CALL` (tool approval) / `ELICITATION` (form, URL)"),
            Map.entry("item/tool/requestUserInput", "approval bridge: `ApprovalHandler`, `ApprovalKind.USER_INPUT`"),
            Map.entry("item/tool/call", "approval bridge: `DynamicTool` registered on the session"),
            Map.entry("execCommandApproval", "approval bridge: `ApprovalHandler`, `ApprovalKind.LEGACY_COMMAND`"),
            Map.entry("applyPatchApproval", "approval bridge: `ApprovalHandler`, `ApprovalKind.LEGACY_PATCH`"),
            Map.entry("account/chatgptAuthTokens/refresh", "approval bridge: `ApprovalPolicy.authRefresh` (refused without one)"),
            Map.entry("attestation/generate", "`CodexClient.Builder.serverRequests` handler / `ThreadInbox` (the bridge answers -32601)"));

    // ---------------------------------------------------------------- coverage

    /** Method → the fixtures (and so the tests) that show it, in a stable order. */
    public static Map<String, Set<String>> coverage() {
        Map<String, Set<String>> out = new TreeMap<>();
        for (Path f : list(FIXTURES.resolve("protocol"), ".jsonl")) {
            String group = name(f, ".jsonl");
            String label = "`ProtocolGroupsLiveTest." + testMethod(group) + "` (fixtures/protocol/" + group + ".jsonl)";
            jsonl(f).forEach(m -> out.computeIfAbsent(m, k -> new LinkedHashSet<>()).add(label));
        }
        for (Path f : list(FIXTURES, ".jsonl")) {
            String scenario = name(f, ".jsonl");
            jsonl(f).forEach(m -> out.computeIfAbsent(m, k -> new LinkedHashSet<>()).add("session fixture `" + scenario + "`"));
        }
        for (Path f : list(FIXTURES.resolve("items"), ".json")) {
            if (f.getFileName().toString().endsWith(".expected.json")) {
                continue;
            }
            String scenario = name(f, ".json");
            for (JsonNode n : read(f).path("notifications")) {
                out.computeIfAbsent(n.path("method").asText(), k -> new LinkedHashSet<>()).add("`ItemCaptureLiveTest` `" + scenario + "`");
            }
        }
        return out;
    }

    /** The live test method of a protocol group. */
    private static String testMethod(String group) {
        return switch (group) {
            case "idle-notifications" -> "aNotificationWhileNoTurnRunsReachesTheSubscriber";
            case "command-exec" -> "commandExec";
            case "fuzzy-file-search" -> "fuzzyFileSearch";
            default -> group;
        };
    }

    /** The methods of a wire fixture: requests and notifications either way. */
    private static Set<String> jsonl(Path f) {
        Set<String> methods = new LinkedHashSet<>();
        try (Stream<String> lines = Files.lines(f)) {
            lines.skip(1).filter(l -> !l.isBlank()).forEach(l -> {
                JsonNode msg = Json.parse(l).path("msg");
                if (msg.has("method")) {
                    methods.add(msg.get("method").asText());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return methods;
    }

    private static List<Path> list(Path dir, String suffix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String name(Path f, String suffix) {
        String n = f.getFileName().toString();
        return n.substring(0, n.length() - suffix.length());
    }

    private static JsonNode read(Path f) {
        try {
            return Json.parse(Files.readString(f));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String cell(Set<String> covered) {
        if (covered == null || covered.isEmpty()) {
            return NOT_EXERCISED;
        }
        List<String> all = new ArrayList<>(covered);
        // protocol-group tests first: they exercise the method on purpose
        all.sort((a, b) -> Boolean.compare(!a.startsWith("`ProtocolGroups"), !b.startsWith("`ProtocolGroups")));
        int shown = Math.min(3, all.size());
        String s = String.join("; ", all.subList(0, shown));
        return all.size() > shown ? s + "; +" + (all.size() - shown) + " more" : s;
    }

    // ---------------------------------------------------------------- the document

    public static List<Row> clientRows() {
        Map<String, String> api = codexApiMethods();
        Map<String, String> constants = constants();
        Map<String, Set<String>> cov = coverage();
        List<Row> rows = new ArrayList<>();
        for (RequestMethod<?, ?> m : sorted(ClientRequests.ALL)) {
            String a = m.experimental()
                    ? "experimental: `request(ClientRequests." + constants.get(m.method()) + ", params)`"
                    : "`" + api.get(m.method()) + "`";
            if (m.method().equals("initialize")) {
                a += ", sent by `CodexClient.Builder.connect()` (the handshake)";
            }
            rows.add(new Row(m.method(), a, cell(cov.get(m.method()))));
        }
        return rows;
    }

    public static List<Row> serverRequestRows() {
        Map<String, Set<String>> cov = coverage();
        List<Row> rows = new ArrayList<>();
        for (RequestMethod<?, ?> m : sorted(ServerRequests.ALL)) {
            rows.add(new Row(m.method(), SERVER_REQUEST_API.getOrDefault(m.method(), "`CodexClient.Builder.serverRequests` handler"),
                    cell(cov.get(m.method()))));
        }
        return rows;
    }

    public static List<Row> notificationRows() {
        Map<String, Set<String>> cov = coverage();
        List<Row> rows = new ArrayList<>();
        List<NotificationMethod<?>> all = new ArrayList<>(ServerNotifications.ALL);
        all.sort((a, b) -> a.method().compareTo(b.method()));
        for (NotificationMethod<?> m : all) {
            rows.add(new Row(m.method(), "`CodexEvent` → `" + m.paramsType().getSimpleName() + "`", cell(cov.get(m.method()))));
        }
        return rows;
    }

    private static List<RequestMethod<?, ?>> sorted(List<RequestMethod<?, ?>> all) {
        List<RequestMethod<?, ?>> out = new ArrayList<>(all);
        out.sort((a, b) -> a.method().compareTo(b.method()));
        return out;
    }

    public static String generate() {
        List<Row> client = clientRows();
        long stable = ClientRequests.ALL.stream().filter(m -> !m.experimental()).count();
        long experimental = ClientRequests.ALL.size() - stable;
        List<Row> server = serverRequestRows();
        List<Row> notes = notificationRows();
        StringBuilder sb = new StringBuilder();
        sb.append("# Protocol coverage: codex ").append(CodexVersion.PINNED).append("\n\n")
                .append("Every method of the pinned codex app-server protocol, the codex-bridge API that sends or receives it,\n")
                .append("and what exercises it against the real binary. Generated from the generated protocol tables\n")
                .append("(`ClientRequests`, `ServerRequests`, `ServerNotifications`) and the recorded fixtures by\n")
                .append("`dev.codexbridge.support.ProtocolDoc`; `ProtocolDocTest` fails when this file lacks a method,\n")
                .append("names another API, or claims coverage a fixture does not show. Regenerate:\n\n")
                .append("    mvn -B -ntp -o test -Dtest=ProtocolDocTest -Dcodexbridge.writeProtocolDoc=true\n\n")
                .append("\"Covered by\" names the live test and its recording: `ProtocolGroupsLiveTest.<group>`\n")
                .append("(fixtures/protocol, replayed without codex by `ProtocolFixtureReplayTest`), session fixtures\n")
                .append("(fixtures/*.jsonl: recorded by `FixtureRecordingLiveTest`, replayed by `FixtureReplayTest`; turns,\n")
                .append("steering and interrupts are `CodexSessionLiveTest`'s), and item recordings (`ItemCaptureLiveTest`,\n")
                .append("fixtures/items). \"").append(NOT_EXERCISED).append("\": the method has a generated type and API, but no test\n")
                .append("runs it against codex (most need a login, the network, a plugin marketplace or a platform feature).\n\n")
                .append("## Client requests (").append(stable).append(" stable, ").append(experimental).append(" experimental)\n\n")
                .append("Stable methods are typed `CodexApi` methods of `CodexClient`; `client.async()` has them returning\n")
                .append("futures (`CodexAsyncApi`). Experimental ones need `CodexClient.builder().experimentalApi(true)`\n")
                .append("and are sent with `client.request(ClientRequests.X, params)`.\n\n");
        table(sb, client);
        long stableServer = ServerRequests.ALL.stream().filter(m -> !m.experimental()).count();
        sb.append("\n## Server requests (").append(stableServer).append(" stable, ").append(server.size() - stableServer).append(" experimental)\n\n")
                .append("Requests codex sends to the client. A session's `ServerRequestBridge` answers the ones\n")
                .append("listed as approval bridge through its `ApprovalPolicy`; on a bare `CodexClient` they go to the\n")
                .append("thread's `ThreadInbox` or the `serverRequests` fallback handler, and every one is shown to\n")
                .append("`client.subscribe` listeners as a `CodexEvent.ServerRequest`.\n\n");
        table(sb, server);
        sb.append("\n## Notifications (").append(notes.size()).append(")\n\n")
                .append("Every notification reaches `client.subscribe` listeners as a `CodexEvent.Notification` whose\n")
                .append("`params()` is the typed record named here (between turns too: see\n")
                .append("`ProtocolGroupsLiveTest.aNotificationWhileNoTurnRunsReachesTheSubscriber`).\n\n");
        table(sb, notes);
        return sb.toString();
    }

    private static void table(StringBuilder sb, List<Row> rows) {
        sb.append("| method | API | covered by |\n|---|---|---|\n");
        for (Row r : rows) {
            sb.append("| `").append(r.method()).append("` | ").append(r.api()).append(" | ").append(r.coverage()).append(" |\n");
        }
    }

    /** The rows of the committed document, by method (first column), in document order. */
    public static Map<String, Row> parse(String doc) {
        Map<String, Row> out = new LinkedHashMap<>();
        for (String line : doc.lines().toList()) {
            if (line.startsWith("| `")) {
                String[] cells = line.substring(1, line.length() - 1).split(" \\| ", -1);
                String method = cells[0].trim().replace("`", "");
                out.put(method, new Row(method, cells[1].trim(), cells[2].trim()));
            }
        }
        return out;
    }

    public static void main(String[] args) throws IOException {
        Files.writeString(FILE, generate());
    }
}
