package dev.codexbridge.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.testkit.ListeningAppServer;
import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.WireSchema;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the pinned codex does with a running turn whose connection goes away: the facts the
 * re-attach rules build on (docs/protocol-notes.md, "Re-attaching to a running turn"). Each test
 * drives a real {@code codex app-server --listen ws://127.0.0.1:0} against the scripted model over
 * bare JDK WebSockets, JSON-RPC written by hand, so every assertion is about codex and none about
 * the library; a codex that behaves otherwise fails here first. A connection is dropped with
 * {@link WebSocket#abort()}: the socket closes without a close frame, as a lost network would.
 */
class ReattachFactsLiveTest {
    /** How long codex may take to do what a step waits for: a loaded machine's pace, not the verdict. */
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String APPROVAL = "item/commandExecution/requestApproval";

    @TempDir
    Path tmp;
    private ScriptedModelServer model;
    private Path home;
    private Path work;
    private final HttpClient http = HttpClient.newHttpClient();
    private final WireSchema.Recorder wire = new WireSchema.Recorder();
    private final List<Conn> opened = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        LiveCodex.binary();
        model = ScriptedModelServer.start();
        home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).approvalPolicy("on-request").write();
        work = Files.createDirectories(tmp.resolve("work"));
    }

    @AfterEach
    void tearDown() {
        opened.forEach(Conn::drop);
        if (model != null) {
            model.close();
        }
        assertThat(WireSchema.pinned().validateConversation(wire)).as("every message sent matches the schema").isEmpty();
    }

    /**
     * The turn goes on in codex after its connection dropped; a new connection
     * that resumes the thread is told the turn is running, gets no replay of what was said before
     * its resume, receives everything after it, and finds what it missed in
     * {@code thread/items/list} (completed items only) or in a full {@code thread/resume} (the
     * running item too). The turn's end is recorded.
     */
    @Test
    void aTurnGoesOnWithoutItsConnectionAndANewSubscriberGetsWhatFollowsItsResume() throws Exception {
        model.enqueue(
                ModelReply.builder("resp-first").functionCall("call-first", null, "exec_command", command("sleep 2")).build(),
                ModelReply.builder("resp-between").message("between the commands")
                        .functionCall("call-second", null, "exec_command", command("sleep 4")).build(),
                ModelReply.builder("resp-last").message("all done").build());
        try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of())) {
            Conn a = connect(server, "A");
            String thread = startThread(a);
            String turn = startTurn(a, thread);
            String userItem = a.await("the user message", item("item/completed", null).and(m -> m.at("/params/item/type").asText().equals("userMessage")))
                    .at("/params/item/id").asText();
            a.await("the first command started", item("item/started", "call-first"));
            a.drop();

            // the first command ends and the second starts with nobody attached (the probes look and leave)
            model.awaitResponsesRequests(2, WAIT);
            awaitRunning(server, thread, "call-second");

            Conn watcher = connect(server, "watcher");
            assertThat(texts(watcher.call("thread/loaded/list", Json.object()).path("data"))).as("still loaded").contains(thread);

            // thread settings sent with the resume of a running thread are ignored, without a warning
            Conn b = connect(server, "B");
            JsonNode resumed = b.call("thread/resume", Json.object().put("threadId", thread).put("excludeTurns", true)
                    .put("model", "another-model").put("approvalPolicy", "never"));
            assertThat(resumed.at("/thread/status/type").asText()).isEqualTo("active");
            assertThat(resumed.at("/thread/turns")).isEmpty();
            assertThat(resumed.path("model").asText()).isEqualTo(IsolatedCodexHome.MODEL);
            assertThat(resumed.path("approvalPolicy").asText()).isEqualTo("on-request");

            JsonNode turns = b.call("thread/turns/list", Json.object().put("threadId", thread));
            assertThat(turns.path("data")).hasSize(1);
            assertThat(turns.at("/data/0/id").asText()).isEqualTo(turn);
            assertThat(turns.at("/data/0/status").asText()).isEqualTo("inProgress");

            // the items of the running turn that have completed, in order; the running command is not among them
            JsonNode items = b.call("thread/items/list", Json.object().put("threadId", thread).put("turnId", turn)).path("data");
            assertThat(ids(items, "/item/id")).containsExactly(userItem, "call-first", "msg-resp-between-1");
            assertThat(items.at("/1/item/status").asText()).isEqualTo("completed");
            assertThat(ids(items, "/turnId")).containsOnly(turn);

            // a full resume shows the running turn with the item still running
            Conn c = connect(server, "C");
            JsonNode full = c.call("thread/resume", Json.object().put("threadId", thread));
            JsonNode running = full.at("/thread/turns/0");
            assertThat(full.at("/thread/turns")).hasSize(1);
            assertThat(running.path("id").asText()).isEqualTo(turn);
            assertThat(running.path("status").asText()).isEqualTo("inProgress");
            assertThat(running.path("itemsView").asText()).isEqualTo("full");
            assertThat(ids(running.path("items"), "/id")).containsExactly(userItem, "call-first", "msg-resp-between-1", "call-second");
            assertThat(running.at("/items/3/status").asText()).isEqualTo("inProgress");
            assertThat(c.await("the deprecation notice", method("deprecationNotice")).at("/params/summary").asText())
                    .contains("excludeTurns: true");

            for (Conn x : List.of(b, c)) {
                JsonNode completed = x.await("turn/completed", method("turn/completed"));
                assertThat(completed.at("/params/turn/id").asText()).isEqualTo(turn);
                assertThat(completed.at("/params/turn/status").asText()).isEqualTo("completed");
                // turn/completed carries a summary, not the turn's items
                assertThat(completed.at("/params/turn/itemsView").asText()).isEqualTo("summary");
                assertThat(ids(completed.at("/params/turn/items"), "/id")).containsExactly("msg-resp-last-1");

                assertThat(x.methods()).as(x.name + ": nothing before its resume is sent again")
                        .doesNotContain("turn/started", "thread/started").containsOnlyOnce("turn/completed");
                assertThat(itemIds(x)).as(x.name + ": item events only for what happened after its resume")
                        .containsExactly("call-second", "msg-resp-last-1");
                assertThat(x.all(item("item/started", "call-second"))).as(x.name + ": the running item is not started again").isEmpty();
                assertThat(x.all(item("item/completed", "call-second"))).singleElement()
                        .satisfies(m -> assertThat(m.at("/params/item/status").asText()).isEqualTo("completed"));
                assertThat(x.all(item("item/started", "msg-resp-last-1"))).hasSize(1);
                assertThat(x.all(item("item/agentMessage/delta", "msg-resp-last-1"))).isNotEmpty();
                assertThat(x.all(item("item/completed", "msg-resp-last-1"))).hasSize(1);
                assertThat(x.all(method("warning"))).as(x.name + ": no warning about the ignored settings").isEmpty();
            }

            // the turn's end is recorded: a connection that never resumed reads it back whole
            Conn d = connect(server, "D");
            JsonNode read = d.call("thread/read", Json.object().put("threadId", thread).put("includeTurns", true));
            assertThat(read.at("/thread/turns/0/status").asText()).isEqualTo("completed");
            assertThat(ids(read.at("/thread/turns/0/items"), "/id"))
                    .containsExactly(userItem, "call-first", "msg-resp-between-1", "call-second", "msg-resp-last-1");
        }
    }

    /**
     * On one server: a second connection may resume a thread whose turn another
     * connection runs; a pending approval is asked of every subscriber, again of each new one on
     * its resume, under the one id codex gave it; a dropped connection neither withdraws nor
     * answers it; the first answer wins and every subscriber is told it was resolved; a later
     * answer is ignored; and any connection may answer by the id, even one that never resumed.
     */
    @Test
    void aPendingApprovalIsAskedOfEverySubscriberUnderOneIdAndTheFirstAnswerWins() throws Exception {
        model.enqueue(
                ModelReply.builder("resp-ask-1").execCommandEscalated("call-ask-1", "echo first", "needs it").build(),
                ModelReply.builder("resp-ask-2").execCommandEscalated("call-ask-2", "echo second", "needs it too").build(),
                ModelReply.builder("resp-end").message("both answered").build());
        try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of())) {
            Conn a = connect(server, "A");
            String thread = startThread(a);
            String turn = startTurn(a, thread);
            JsonNode asked = a.await("the first approval", request(APPROVAL, "call-ask-1"));

            // a second subscriber while the owner is still there: allowed, and asked the same
            Conn b = connect(server, "B");
            JsonNode resumed = b.call("thread/resume", Json.object().put("threadId", thread).put("excludeTurns", true));
            assertThat(resumed.at("/thread/status/type").asText()).isEqualTo("active");
            assertThat(texts(resumed.at("/thread/status/activeFlags"))).containsExactly("waitingOnApproval");
            JsonNode askedB = b.await("the first approval", request(APPROVAL, "call-ask-1"));
            assertThat(askedB.get("id")).isEqualTo(asked.get("id"));
            assertThat(askedB.get("params")).isEqualTo(asked.get("params"));

            a.drop();
            Conn c = connect(server, "C");
            c.call("thread/resume", Json.object().put("threadId", thread).put("excludeTurns", true));
            JsonNode askedC = c.await("the first approval, asked again", request(APPROVAL, "call-ask-1"));
            assertThat(askedC.get("id")).isEqualTo(asked.get("id"));
            assertThat(askedC.get("params")).isEqualTo(asked.get("params"));
            for (Conn x : List.of(b, c)) {
                assertThat(x.position(request(APPROVAL, "call-ask-1"))).as(x.name + ": asked after the answer to its resume")
                        .isGreaterThan(x.position(m -> !m.has("method") && m.path("result").has("thread")));
            }
            assertThat(b.all(method("serverRequest/resolved"))).as("the drop did not withdraw it").isEmpty();

            b.answer(asked.get("id"), Json.object().put("decision", "accept"));
            for (Conn x : List.of(b, c)) {
                JsonNode resolved = x.await("serverRequest/resolved", method("serverRequest/resolved"));
                assertThat(resolved.at("/params/threadId").asText()).isEqualTo(thread);
                assertThat(resolved.at("/params/requestId")).isEqualTo(asked.get("id"));
            }
            c.answer(asked.get("id"), Json.object().put("decision", "decline"));

            // the next request gets the next id of the server, not of the connection
            JsonNode second = b.await("the second approval", request(APPROVAL, "call-ask-2"));
            assertThat(second.get("id").asLong()).isEqualTo(asked.get("id").asLong() + 1);
            assertThat(c.await("the second approval", request(APPROVAL, "call-ask-2")).get("id")).isEqualTo(second.get("id"));
            assertThat(c.all(m -> m.has("error"))).as("the late answer is ignored without an error").isEmpty();

            // every subscriber gone: a connection that never resumed answers by the id
            b.drop();
            c.drop();
            Conn d = connect(server, "D");
            d.answer(second.get("id"), Json.object().put("decision", "accept"));
            JsonNode done = awaitTurnEnd(d, thread);
            assertThat(done.path("id").asText()).isEqualTo(turn);
            assertThat(done.path("status").asText()).isEqualTo("completed");
            Map<String, JsonNode> byId = new HashMap<>();
            done.path("items").forEach(i -> byId.put(i.path("id").asText(), i));
            assertThat(byId.get("call-ask-1").path("status").asText()).as("the first answer won").isEqualTo("completed");
            assertThat(byId.get("call-ask-1").path("aggregatedOutput").asText()).isEqualTo("first\n");
            assertThat(byId.get("call-ask-2").path("aggregatedOutput").asText()).isEqualTo("second\n");
            assertThat(d.all(m -> m.has("method") && m.has("id"))).as("D was never asked").isEmpty();
            assertThat(d.all(method("serverRequest/resolved"))).as("nor told: it does not subscribe").isEmpty();
        }
    }

    /**
     * Across processes: a second app-server on the same {@code CODEX_HOME} is
     * refused as a second writer while the first has the thread loaded (running, or idle without
     * subscribers), and reads the running turn as interrupted; the first keeps a thread without
     * subscribers loaded while its turn runs, records the turn's end, and unloads it the
     * configured delay after it went idle (default 60 s, measured by hand; 10 s here, and a command of
     * 15 s: the steps that look while the turn runs, or while the thread waits to be unloaded, have
     * seconds to spare on a loaded machine), which frees it for the second; a killed writer frees it
     * at once.
     */
    @Test
    void aSecondAppServerIsRefusedAsASecondWriterUntilTheFirstLetsTheThreadGo() throws Exception {
        model.enqueue(
                ModelReply.builder("resp-alone").functionCall("call-alone", null, "exec_command", command("sleep 15")).build(),
                ModelReply.builder("resp-alone-end").message("finished alone").build());
        try (ListeningAppServer first = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of("-c", "thread_unload_delay_secs=10"));
             ListeningAppServer second = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of())) {
            Conn a = connect(first, "A");
            String thread = startThread(a);
            String turn = startTurn(a, thread);
            a.await("the command started", item("item/started", "call-alone"));
            a.drop();
            long dropped = System.nanoTime();

            Conn other = connect(second, "other");
            String writer = "thread " + thread + " already has an active writer";
            for (String method : List.of("thread/resume", "thread/archive")) {
                JsonNode refused = other.error(method, Json.object().put("threadId", thread));
                assertThat(refused.path("code").asInt()).as(method).isEqualTo(-32600);
                assertThat(refused.path("message").asText()).as(method).isEqualTo(writer);
            }
            // reading is allowed, and shows the turn the first server runs as interrupted
            JsonNode elsewhere = other.call("thread/read", Json.object().put("threadId", thread).put("includeTurns", true));
            assertThat(elsewhere.at("/thread/status/type").asText()).isEqualTo("notLoaded");
            assertThat(elsewhere.at("/thread/turns/0/id").asText()).isEqualTo(turn);
            assertThat(elsewhere.at("/thread/turns/0/status").asText()).isEqualTo("interrupted");

            // nobody attached: the turn runs to its end and is recorded, the thread stays loaded meanwhile
            Conn watcher = connect(first, "watcher");
            JsonNode done = awaitTurnEnd(watcher, thread);
            // when codex said the thread went idle, not when this test looked
            long idle = watcher.arrivedAt(status("idle"));
            assertThat(texts(watcher.call("thread/loaded/list", Json.object()).path("data")))
                    .as("loaded %d ms after its last subscriber left, longer than the unload delay", (idle - dropped) / 1_000_000)
                    .contains(thread);
            assertThat(idle - dropped).isGreaterThan(TimeUnit.SECONDS.toNanos(10));
            assertThat(done.path("status").asText()).isEqualTo("completed");
            assertThat(ids(done.path("items"), "/id")).endsWith("call-alone", "msg-resp-alone-end-1");

            assertThat(other.error("thread/resume", Json.object().put("threadId", thread)).path("message").asText())
                    .as("idle and without subscribers, still held").isEqualTo(writer);

            long deadline = System.nanoTime() + WAIT.toNanos();
            while (texts(watcher.call("thread/loaded/list", Json.object()).path("data")).contains(thread)) {
                assertThat(System.nanoTime()).as("unloaded").isLessThan(deadline);
                Thread.sleep(100);
            }
            // between codex's two words to the same connection: the test's own lag is not in it
            long unloadedMs = (watcher.arrivedAt(status("notLoaded")) - idle) / 1_000_000;
            System.out.printf("reattach facts: unloaded %d ms after the turn ended (delay 10 s)%n", unloadedMs);
            assertThat(unloadedMs).as("the configured delay, not the default 60 s").isBetween(5_000L, 45_000L);
            // told to a connection that never resumed the thread
            assertThat(watcher.await("thread/closed", method("thread/closed")).at("/params/threadId").asText()).isEqualTo(thread);
            assertThat(watcher.all(method("thread/status/changed")).stream().map(m -> m.at("/params/status/type").asText()))
                    .containsSubsequence("idle", "notLoaded");

            JsonNode taken = other.call("thread/resume", Json.object().put("threadId", thread).put("excludeTurns", true));
            assertThat(taken.at("/thread/status/type").asText()).isEqualTo("idle");
            assertThat(connect(first, "back").error("thread/resume", Json.object().put("threadId", thread)).path("message").asText())
                    .as("now the second server is the writer").isEqualTo(writer);

            second.kill();
            JsonNode back = connect(first, "after the kill").call("thread/resume", Json.object().put("threadId", thread).put("excludeTurns", true));
            assertThat(back.at("/thread/status/type").asText()).isEqualTo("idle");
        }
    }

    /**
     * A host that dies while its sleep waits for codex to unload the thread leaves it loaded with
     * no one following it, for the unload delay (decision 0140): a delete unloads it at once, as
     * the pool's wake elsewhere relies on.
     */
    @Test
    void aThreadLeftLoadedByAConnectionThatWentAwayIsUnloadedAtOnceByADelete() throws Exception {
        model.enqueue(ModelReply.builder("resp-left").message("left behind").build());
        try (ListeningAppServer server = ListeningAppServer.websocket(LiveCodex.binary(), home, work, List.of("-c", "thread_unload_delay_secs=30"))) {
            Conn a = connect(server, "A");
            String thread = startThread(a);
            startTurn(a, thread);
            assertThat(a.await("the turn's end", method("turn/completed")).at("/params/turn/status").asText()).isEqualTo("completed");
            a.drop();

            Conn next = connect(server, "next host");
            assertThat(texts(next.call("thread/loaded/list", Json.object()).path("data"))).as("loaded, no one following it").contains(thread);
            long asked = System.nanoTime();
            assertThat(next.call("thread/delete", Json.object().put("threadId", thread)).isObject()).isTrue();
            long deleteMs = (System.nanoTime() - asked) / 1_000_000;
            assertThat(texts(next.call("thread/loaded/list", Json.object()).path("data"))).as("unloaded by the delete").doesNotContain(thread);
            System.out.printf("reattach facts: a thread left loaded dropped in %d ms (unload delay 30 s)%n", deleteMs);
            assertThat(next.error("thread/resume", Json.object().put("threadId", thread)).path("message").asText())
                    .as("its files gone with it").contains("no rollout found");
        }
    }

    // --- the turn's script and the wire ---

    /** {@code exec_command} arguments; the long yield keeps a slow command from returning to the model early. */
    private static ObjectNode command(String cmd) {
        return Json.object().put("cmd", cmd).put("login", false).put("yield_time_ms", 30_000);
    }

    private String startThread(Conn conn) {
        return conn.call("thread/start", Json.object().put("cwd", work.toString())).at("/thread/id").asText();
    }

    private static String startTurn(Conn conn, String thread) {
        ObjectNode params = Json.object().put("threadId", thread);
        params.putArray("input").addObject().put("type", "text").put("text", "go").putArray("text_elements");
        return conn.call("turn/start", params).at("/turn/id").asText();
    }

    /** Polls {@code thread/read} until the thread's only turn has ended; returns that turn. */
    private static JsonNode awaitTurnEnd(Conn conn, String thread) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            JsonNode t = conn.call("thread/read", Json.object().put("threadId", thread).put("includeTurns", true)).at("/thread/turns/0");
            if (!t.path("status").asText().equals("inProgress")) {
                return t;
            }
            assertThat(System.nanoTime()).as("the turn ended").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /**
     * Waits until a full resume shows {@code itemId} running, each look on a connection of its
     * own that is dropped at once, so the connections the test then opens come after the item's
     * start.
     */
    private void awaitRunning(ListeningAppServer server, String thread, String itemId) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            Conn probe = connect(server, "probe");
            JsonNode turns = probe.call("thread/resume", Json.object().put("threadId", thread)).at("/thread/turns");
            probe.drop();
            if (ids(turns.path(turns.size() - 1).path("items"), "/id").contains(itemId)) {
                return;
            }
            assertThat(System.nanoTime()).as(itemId + " running").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static Predicate<JsonNode> method(String method) {
        return m -> m.path("method").asText().equals(method);
    }

    private static Predicate<JsonNode> status(String type) {
        return m -> method("thread/status/changed").test(m) && m.at("/params/status/type").asText().equals(type);
    }

    /** An item notification for {@code itemId} (any item when null). */
    private static Predicate<JsonNode> item(String method, String itemId) {
        return method(method).and(m -> itemId == null || itemId.equals(itemIdOf(m)));
    }

    private static Predicate<JsonNode> request(String method, String itemId) {
        return method(method).and(m -> m.has("id") && m.at("/params/itemId").asText().equals(itemId));
    }

    private static String itemIdOf(JsonNode m) {
        JsonNode p = m.path("params");
        return p.has("item") ? p.at("/item/id").asText() : p.path("itemId").asText(null);
    }

    /** The item ids the connection's item notifications name, in order of first mention. */
    private static List<String> itemIds(Conn conn) {
        Set<String> ids = new LinkedHashSet<>();
        for (JsonNode m : conn.all(m -> m.path("method").asText().startsWith("item/") && !m.has("id"))) {
            ids.add(itemIdOf(m));
        }
        return List.copyOf(ids);
    }

    private static List<String> ids(JsonNode array, String pointer) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.at(pointer).asText()));
        return out;
    }

    private static List<String> texts(JsonNode array) {
        return ids(array, "");
    }

    private Conn connect(ListeningAppServer server, String name) {
        Conn conn = new Conn(name, server.uri());
        opened.add(conn);
        return conn;
    }

    /** One bare WebSocket connection to codex, initialized, every message it receives kept. */
    private final class Conn {
        final String name;
        private final WebSocket socket;
        private final List<JsonNode> received = new CopyOnWriteArrayList<>();
        private final List<Long> arrivals = new CopyOnWriteArrayList<>();
        private final Map<Long, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
        private final AtomicLong ids = new AtomicLong();

        Conn(String name, URI uri) {
            this.name = name;
            try {
                this.socket = http.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            accept(partial.toString());
                            partial.setLength(0);
                        }
                        ws.request(1);
                        return null;
                    }
                }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(name + ": cannot connect to " + uri, e);
            }
            ObjectNode init = Json.object();
            init.putObject("clientInfo").put("name", "codex-bridge-reattach-facts").put("version", "0");
            call("initialize", init);
            send(Json.object().put("method", "initialized").set("params", Json.object()));
        }

        private void accept(String text) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            wire.incoming(bytes, bytes.length);
            JsonNode m = Json.parse(text);
            arrivals.add(System.nanoTime());
            received.add(m);
            if (!m.has("method") && m.has("id")) {
                CompletableFuture<JsonNode> call = calls.remove(m.get("id").asLong());
                if (call != null) {
                    call.complete(m);
                }
            }
        }

        private synchronized void send(ObjectNode message) {
            String text = Json.write(message);
            wire.outgoing(text.getBytes(StandardCharsets.UTF_8));
            try {
                socket.sendText(text, true).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(name + ": cannot send " + text, e);
            }
        }

        /** The answer to a request, whole. */
        JsonNode exchange(String method, ObjectNode params) {
            long id = ids.incrementAndGet();
            CompletableFuture<JsonNode> answer = new CompletableFuture<>();
            calls.put(id, answer);
            ObjectNode request = Json.object().put("id", id).put("method", method);
            request.set("params", params);
            send(request);
            try {
                return answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(name + ": no answer to " + method, e);
            }
        }

        JsonNode call(String method, ObjectNode params) {
            JsonNode answer = exchange(method, params);
            assertThat(answer.has("error")).as("%s: %s answered %s", name, method, answer).isFalse();
            return answer.path("result");
        }

        JsonNode error(String method, ObjectNode params) {
            JsonNode answer = exchange(method, params);
            assertThat(answer.has("error")).as("%s: %s refused, answered %s", name, method, answer).isTrue();
            return answer.path("error");
        }

        void answer(JsonNode requestId, ObjectNode result) {
            ObjectNode m = Json.object();
            m.set("id", requestId);
            m.set("result", result);
            send(m);
        }

        JsonNode await(String what, Predicate<JsonNode> match) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                for (JsonNode m : received) {
                    if (match.test(m)) {
                        return m;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(name + ": no " + what + " within " + WAIT + "; got " + methods());
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(name + ": interrupted waiting for " + what, e);
                }
            }
        }

        /** The index of the first message received that matches, -1 if none. */
        int position(Predicate<JsonNode> match) {
            for (int i = 0; i < received.size(); i++) {
                if (match.test(received.get(i))) {
                    return i;
                }
            }
            return -1;
        }

        /** When the first message that matches arrived (System.nanoTime), waiting for it if need be. */
        long arrivedAt(Predicate<JsonNode> match) {
            await("a message", match);
            return arrivals.get(position(match));
        }

        List<JsonNode> all(Predicate<JsonNode> match) {
            return received.stream().filter(match).collect(Collectors.toList());
        }

        List<String> methods() {
            return received.stream().filter(m -> m.has("method")).map(m -> m.get("method").asText()).collect(Collectors.toList());
        }

        /** Closes the socket without a close frame, as a lost network would. */
        void drop() {
            socket.abort();
        }
    }
}
