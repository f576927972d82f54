package dev.codexbridge.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.CodexEvent;
import dev.codexbridge.protocol.CodexThread;
import dev.codexbridge.protocol.CommandExecParams;
import dev.codexbridge.protocol.CommandExecResponse;
import dev.codexbridge.protocol.ConfigReadParams;
import dev.codexbridge.protocol.ConfigReadResponse;
import dev.codexbridge.protocol.ConfigRequirementsReadResponse;
import dev.codexbridge.protocol.ConfigValueWriteParams;
import dev.codexbridge.protocol.ConfigWriteResponse;
import dev.codexbridge.protocol.FuzzyFileSearchParams;
import dev.codexbridge.protocol.FuzzyFileSearchResponse;
import dev.codexbridge.protocol.FuzzyFileSearchResult;
import dev.codexbridge.protocol.GetAccountParams;
import dev.codexbridge.protocol.GetAccountRateLimitsParams;
import dev.codexbridge.protocol.GetAccountResponse;
import dev.codexbridge.protocol.ItemCompletedNotification;
import dev.codexbridge.protocol.ListMcpServerStatusParams;
import dev.codexbridge.protocol.ListMcpServerStatusResponse;
import dev.codexbridge.protocol.McpServerStatus;
import dev.codexbridge.protocol.MergeStrategy;
import dev.codexbridge.protocol.ModelListParams;
import dev.codexbridge.protocol.ModelListResponse;
import dev.codexbridge.protocol.ReviewDelivery;
import dev.codexbridge.protocol.ReviewStartParams;
import dev.codexbridge.protocol.ReviewStartResponse;
import dev.codexbridge.protocol.ReviewTarget;
import dev.codexbridge.protocol.SkillMetadata;
import dev.codexbridge.protocol.SkillsListParams;
import dev.codexbridge.protocol.SkillsListResponse;
import dev.codexbridge.protocol.ThreadArchiveParams;
import dev.codexbridge.protocol.ThreadArchivedNotification;
import dev.codexbridge.protocol.ThreadCompactStartParams;
import dev.codexbridge.protocol.ThreadForkParams;
import dev.codexbridge.protocol.ThreadForkResponse;
import dev.codexbridge.protocol.ThreadItem;
import dev.codexbridge.protocol.ThreadListParams;
import dev.codexbridge.protocol.ThreadListResponse;
import dev.codexbridge.protocol.ThreadLoadedListParams;
import dev.codexbridge.protocol.ThreadLoadedListResponse;
import dev.codexbridge.protocol.ThreadNameUpdatedNotification;
import dev.codexbridge.protocol.ThreadReadParams;
import dev.codexbridge.protocol.ThreadReadResponse;
import dev.codexbridge.protocol.ThreadSetNameParams;
import dev.codexbridge.protocol.ThreadRevertParams;
import dev.codexbridge.protocol.ThreadRevertResponse;
import dev.codexbridge.protocol.ThreadStartParams;
import dev.codexbridge.protocol.ThreadStartResponse;
import dev.codexbridge.protocol.ThreadTurnsListParams;
import dev.codexbridge.protocol.ThreadTurnsListResponse;
import dev.codexbridge.protocol.ThreadUnarchiveParams;
import dev.codexbridge.protocol.ThreadUnarchiveResponse;
import dev.codexbridge.protocol.ThreadUnarchivedNotification;
import dev.codexbridge.protocol.Turn;
import dev.codexbridge.protocol.TurnCompletedNotification;
import dev.codexbridge.protocol.TurnStartParams;
import dev.codexbridge.protocol.TurnStartResponse;
import dev.codexbridge.protocol.TurnStatus;
import dev.codexbridge.protocol.UserInput;
import dev.codexbridge.rpc.RpcException;
import dev.codexbridge.json.Json;
import dev.codexbridge.testkit.IsolatedCodexHome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One driver per protocol group (threads, models, account, config, MCP, skills, review,
 * command/exec, fuzzy file search, notifications between turns): typed {@code CodexApi} calls on a
 * {@link CodexClient} and assertions on what codex answers. The same driver runs against the real
 * codex ({@code ProtocolGroupsLiveTest}, which records {@code fixtures/protocol/<group>.jsonl}) and
 * against the recording ({@code ProtocolFixtureReplayTest}), so the drivers only use the
 * {@link Env} paths, which are the normalized placeholders in a replay.
 */
public final class ProtocolGroups {
    public static final Duration WAIT = Duration.ofSeconds(60);

    /** Where a group works: real temp folders live, their placeholders in a replay. */
    public record Env(String work, String home, String repo, String tree) {
        /** The placeholders the recordings use for the four folders. */
        public static final Env PLACEHOLDERS = new Env("/work", "/codex-home", "/repo", "/tree");
    }

    public interface Driver {
        void run(CodexClient codex, Env env) throws Exception;
    }

    /** A group: its name (the fixture's), what it exercises, and the driver. */
    public record Group(String name, String description, Driver driver) {
    }

    public static final String TURN_REPLY = "Hello from the scripted model.";
    public static final String SECOND_REPLY = "Goodbye.";
    public static final String COMPACT_SUMMARY = "Summary: the user said hello and the model greeted back.";
    public static final String THREAD_NAME = "Protocol groups";
    public static final String SKILL_NAME = "greeter";
    public static final String REVIEW_TITLE = "[P2] Greeting lost its exclamation mark";
    public static final String REVIEW_BODY = "The greeting used to end with an exclamation mark.";
    public static final String REVIEW_EXPLANATION = "The change drops the exclamation mark from the greeting.";

    private ProtocolGroups() {
    }

    public static List<Group> all() {
        return List.of(
                new Group("threads", "thread/start, turn, thread/read with turns, thread/turns/list, thread/name/set, "
                        + "thread/loaded/list, thread/list, thread/fork, thread/compact/start, a second turn and thread/revert to before it, "
                        + "thread/archive + thread/unarchive", ProtocolGroups::threads),
                new Group("idle-notifications", "thread/name/updated, thread/archived and thread/unarchived reach a "
                        + "client.subscribe listener while no turn runs", ProtocolGroups::idleNotifications),
                new Group("models", "model/list", ProtocolGroups::models),
                new Group("account", "account/read with no login; account/rateLimits/read answers -32600",
                        ProtocolGroups::account),
                new Group("config", "config/read with layers, configRequirements/read, config/value/write into the "
                        + "home and read back", ProtocolGroups::config),
                new Group("mcp", "mcpServerStatus/list showing the home's EchoMcpServer, config/mcpServer/reload",
                        ProtocolGroups::mcp),
                new Group("skills", "skills/list finding a skill of the home", ProtocolGroups::skills),
                new Group("review", "review/start of the uncommitted change of a git repository, answered by the "
                        + "scripted model", ProtocolGroups::review),
                new Group("command-exec", "command/exec: echo hi, and a command that exits 3",
                        ProtocolGroups::commandExec),
                new Group("fuzzy-file-search", "fuzzyFileSearch in a small tree", ProtocolGroups::fuzzyFileSearch));
    }

    public static Group group(String name) {
        return all().stream().filter(g -> g.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no group " + name));
    }

    // ---------------------------------------------------------------- events

    /** Every notification of a client, in order, with waiting for one. */
    public static final class Events implements AutoCloseable {
        private final BlockingQueue<CodexEvent> pending = new LinkedBlockingQueue<>();
        private final List<CodexEvent> all = new ArrayList<>();
        private final AutoCloseable handle;

        public Events(CodexClient codex) {
            handle = codex.subscribe(e -> {
                synchronized (all) {
                    all.add(e);
                }
                pending.add(e);
            });
        }

        /** Waits for (and consumes up to) the next event matching {@code p}. */
        public CodexEvent await(String what, Predicate<CodexEvent> p) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            List<String> skipped = new ArrayList<>();
            while (System.nanoTime() < deadline) {
                CodexEvent e = pending.poll(200, TimeUnit.MILLISECONDS);
                if (e == null) {
                    continue;
                }
                if (p.test(e)) {
                    return e;
                }
                skipped.add(e.method());
            }
            throw new AssertionError("no " + what + " within " + WAIT.toSeconds() + " s; saw " + skipped);
        }

        public CodexEvent await(String method, String threadId) throws InterruptedException {
            return await(method + " of " + threadId, e -> e.method().equals(method) && (threadId == null || threadId.equals(e.threadId())));
        }

        public List<CodexEvent> all() {
            synchronized (all) {
                return List.copyOf(all);
            }
        }

        public List<String> methods() {
            return all().stream().map(CodexEvent::method).toList();
        }

        @Override
        public void close() throws Exception {
            handle.close();
        }
    }

    private static <T> T params(CodexEvent e, Class<T> type) {
        return type.cast(((CodexEvent.Notification) e).params());
    }

    private static List<UserInput> text(String s) {
        return List.of(new UserInput.Text(s, List.of()));
    }

    /** Starts a turn and waits for its {@code turn/completed}; returns the completed turn. */
    private static Turn runTurn(CodexClient codex, Events events, String threadId, String prompt) throws Exception {
        TurnStartResponse started = codex.turnStart(TurnStartParams.builder().threadId(threadId).input(text(prompt)).build());
        String turnId = started.turn().id();
        CodexEvent done = events.await("turn/completed of " + turnId,
                e -> e.method().equals("turn/completed") && turnId.equals(params(e, TurnCompletedNotification.class).turn().id()));
        return params(done, TurnCompletedNotification.class).turn();
    }

    private static List<ThreadItem> completedItems(Events events, String turnId) {
        List<ThreadItem> items = new ArrayList<>();
        for (CodexEvent e : events.all()) {
            if (e.method().equals("item/completed")) {
                ItemCompletedNotification n = params(e, ItemCompletedNotification.class);
                if (turnId.equals(n.turnId())) {
                    items.add(n.item());
                }
            }
        }
        return items;
    }

    // ---------------------------------------------------------------- groups

    static void threads(CodexClient codex, Env env) throws Exception {
        try (Events events = new Events(codex)) {
            ThreadStartResponse start = codex.threadStart(ThreadStartParams.builder().cwd(env.work()).build());
            String id = start.thread().id();
            assertThat(id).isNotBlank();
            assertThat(start.model()).isEqualTo(IsolatedCodexHome.MODEL);
            assertThat(start.thread().cwd()).isEqualTo(env.work());
            events.await("thread/started", id);

            Turn first = runTurn(codex, events, id, "say hello");
            assertThat(first.status()).isEqualTo(TurnStatus.COMPLETED);
            assertThat(completedItems(events, first.id())).filteredOn(ThreadItem.AgentMessage.class::isInstance)
                    .extracting(i -> ((ThreadItem.AgentMessage) i).text()).containsExactly(TURN_REPLY);

            ThreadReadResponse read = codex.threadRead(new ThreadReadParams(true, id));
            assertThat(read.thread().id()).isEqualTo(id);
            assertThat(read.thread().turns()).extracting(Turn::id).containsExactly(first.id());
            assertThat(read.thread().turns().get(0).items()).filteredOn(ThreadItem.AgentMessage.class::isInstance)
                    .extracting(i -> ((ThreadItem.AgentMessage) i).text()).containsExactly(TURN_REPLY);
            assertThat(read.thread().preview()).isEqualTo("say hello");

            ThreadTurnsListResponse turns = codex.threadTurnsList(ThreadTurnsListParams.builder().threadId(id).build());
            assertThat(turns.data()).extracting(Turn::id).containsExactly(first.id());

            codex.threadNameSet(new ThreadSetNameParams(THREAD_NAME, id));
            ThreadNameUpdatedNotification renamed = params(events.await("thread/name/updated", id), ThreadNameUpdatedNotification.class);
            assertThat(renamed.threadName()).isEqualTo(THREAD_NAME);
            assertThat(codex.threadRead(new ThreadReadParams(false, id)).thread().name()).isEqualTo(THREAD_NAME);

            ThreadLoadedListResponse loaded = codex.threadLoadedList(new ThreadLoadedListParams(null, null));
            assertThat(loaded.data()).containsExactly(id);

            ThreadListResponse listed = codex.threadList(ThreadListParams.builder().build());
            assertThat(listed.data()).extracting(CodexThread::id).containsExactly(id);
            assertThat(listed.data().get(0).name()).isEqualTo(THREAD_NAME);

            ThreadForkResponse fork = codex.threadFork(ThreadForkParams.builder().threadId(id).build());
            String forkId = fork.thread().id();
            assertThat(forkId).isNotEqualTo(id);
            assertThat(fork.thread().forkedFromId()).isEqualTo(id);
            assertThat(codex.threadLoadedList(new ThreadLoadedListParams(null, null)).data()).containsExactlyInAnyOrder(id, forkId);
            // the fork carries the source's history: the same user message and reply, under a turn of its own
            List<Turn> forkTurns = codex.threadTurnsList(ThreadTurnsListParams.builder().threadId(forkId).build()).data();
            assertThat(forkTurns).hasSize(1);
            assertThat(forkTurns.get(0).items()).filteredOn(ThreadItem.AgentMessage.class::isInstance)
                    .extracting(i -> ((ThreadItem.AgentMessage) i).text()).containsExactly(TURN_REPLY);

            // compaction runs as a turn of its own, answered by the scripted model's summary
            codex.threadCompactStart(new ThreadCompactStartParams(id));
            CodexEvent compacted = events.await("turn/completed of the compaction",
                    e -> e.method().equals("turn/completed") && id.equals(e.threadId())
                            && !first.id().equals(params(e, TurnCompletedNotification.class).turn().id()));
            Turn compaction = params(compacted, TurnCompletedNotification.class).turn();
            assertThat(compaction.status()).isEqualTo(TurnStatus.COMPLETED);
            assertThat(completedItems(events, compaction.id())).hasAtLeastOneElementOfType(ThreadItem.ContextCompaction.class);

            // a second turn, then thread/revert back to before it
            Turn second = runTurn(codex, events, id, "say goodbye");
            assertThat(second.status()).isEqualTo(TurnStatus.COMPLETED);
            assertThat(codex.threadTurnsList(ThreadTurnsListParams.builder().threadId(id).build()).data()).extracting(Turn::id)
                    .contains(first.id(), second.id());
            ThreadRevertResponse reverted = revertOnceCodexLetsGo(codex, second.id(), id);
            assertThat(reverted.thread().id()).isEqualTo(id);
            events.await("thread/reverted", id);
            List<String> left = codex.threadTurnsList(ThreadTurnsListParams.builder().threadId(id).build()).data().stream().map(Turn::id).toList();
            assertThat(left).contains(first.id()).doesNotContain(second.id());

            codex.threadArchive(new ThreadArchiveParams(forkId));
            assertThat(params(events.await("thread/archived", forkId), ThreadArchivedNotification.class).threadId()).isEqualTo(forkId);
            assertThat(codex.threadList(ThreadListParams.builder().archived(true).build()).data()).extracting(CodexThread::id).containsExactly(forkId);
            assertThat(codex.threadList(ThreadListParams.builder().build()).data()).extracting(CodexThread::id).containsExactly(id);
            ThreadUnarchiveResponse unarchived = codex.threadUnarchive(new ThreadUnarchiveParams(forkId));
            assertThat(unarchived.thread().id()).isEqualTo(forkId);
            events.await("thread/unarchived", forkId);
            assertThat(codex.threadList(ThreadListParams.builder().archived(true).build()).data()).isEmpty();
        }
    }

    static void idleNotifications(CodexClient codex, Env env) throws Exception {
        try (Events events = new Events(codex)) {
            String id = codex.threadStart(ThreadStartParams.builder().cwd(env.work()).build()).thread().id();
            events.await("thread/started", id);
            codex.threadNameSet(new ThreadSetNameParams("Renamed between turns", id));
            CodexEvent renamed = events.await("thread/name/updated", id);
            assertThat(renamed).isInstanceOf(CodexEvent.Notification.class);
            assertThat(((CodexEvent.Notification) renamed).params()).isEqualTo(new ThreadNameUpdatedNotification(id, "Renamed between turns"));
            assertThat(renamed.turnId()).isNull();
            codex.threadArchive(new ThreadArchiveParams(id));
            CodexEvent archived = events.await("thread/archived", id);
            assertThat(((CodexEvent.Notification) archived).params()).isEqualTo(new ThreadArchivedNotification(id));
            codex.threadUnarchive(new ThreadUnarchiveParams(id));
            CodexEvent back = events.await("thread/unarchived", id);
            assertThat(((CodexEvent.Notification) back).params()).isEqualTo(new ThreadUnarchivedNotification(id));
            assertThat(events.methods()).doesNotContain("turn/started");
        }
    }

    static void models(CodexClient codex, Env env) {
        ModelListResponse models = codex.modelList(ModelListParams.builder().build());
        assertThat(models.data()).isNotEmpty();
        assertThat(models.data()).allSatisfy(m -> {
            assertThat(m.id()).isNotBlank();
            assertThat(m.displayName()).isNotBlank();
        });
        assertThat(models.data()).filteredOn(m -> Boolean.TRUE.equals(m.isDefault())).hasSize(1);
        ModelListResponse withHidden = codex.modelList(ModelListParams.builder().includeHidden(true).build());
        assertThat(withHidden.data().size()).isGreaterThanOrEqualTo(models.data().size());
    }

    static void account(CodexClient codex, Env env) {
        GetAccountResponse account = codex.accountRead(new GetAccountParams(false));
        assertThat(account.account()).isNull();
        assertThat(account.requiresOpenaiAuth()).isFalse();
        RpcException e = catchThrowableOfType(() -> codex.accountRateLimitsRead(new GetAccountRateLimitsParams(null, null)), RpcException.class);
        assertThat(e).as("account/rateLimits/read without a login").isNotNull();
        assertThat(e.method()).isEqualTo("account/rateLimits/read");
        assertThat(e.code()).isEqualTo(-32600);
        assertThat(e.error().message()).isEqualTo("codex account authentication required to read rate limits");
    }

    static void config(CodexClient codex, Env env) {
        ConfigReadResponse before = codex.configRead(new ConfigReadParams(env.work(), true));
        assertThat(before.config().model()).isEqualTo(IsolatedCodexHome.MODEL);
        assertThat(before.config().modelReasoningEffort()).isNull();
        assertThat(before.layers()).isNotEmpty();

        ConfigRequirementsReadResponse requirements = codex.configRequirementsRead();
        assertThat(requirements.requirements()).isNull();

        ConfigWriteResponse written = codex.configValueWrite(ConfigValueWriteParams.builder()
                .keyPath("model_reasoning_effort").value(Json.nodes().textNode("high")).mergeStrategy(MergeStrategy.REPLACE).build());
        assertThat(written.filePath()).isEqualTo(env.home() + "/config.toml");
        assertThat(written.version()).isNotBlank();

        ConfigReadResponse after = codex.configRead(new ConfigReadParams(env.work(), false));
        assertThat(after.config().modelReasoningEffort()).isEqualTo("high");
        assertThat(after.config().model()).isEqualTo(IsolatedCodexHome.MODEL);
    }

    static void mcp(CodexClient codex, Env env) {
        ListMcpServerStatusResponse status = codex.mcpServerStatusList(ListMcpServerStatusParams.builder().build());
        assertThat(status.data()).extracting(McpServerStatus::name).containsExactly("echo");
        McpServerStatus echo = status.data().get(0);
        assertThat(echo.tools()).containsKeys("say", "ask");
        assertThat(codex.configMcpServerReload()).isNotNull();
        ListMcpServerStatusResponse again = codex.mcpServerStatusList(ListMcpServerStatusParams.builder().serverName("echo").build());
        assertThat(again.data()).extracting(McpServerStatus::name).containsExactly("echo");
        assertThat(again.data().get(0).tools()).containsKeys("say", "ask");
    }

    static void skills(CodexClient codex, Env env) {
        SkillsListResponse skills = codex.skillsList(new SkillsListParams(List.of(env.work()), true));
        assertThat(skills.data()).hasSize(1);
        assertThat(skills.data().get(0).cwd()).isEqualTo(env.work());
        assertThat(skills.data().get(0).errors()).isEmpty();
        List<SkillMetadata> mine = skills.data().get(0).skills().stream().filter(s -> s.name().equals(SKILL_NAME)).toList();
        assertThat(mine).hasSize(1);
        assertThat(mine.get(0).description()).isEqualTo("Greets the user politely.");
        assertThat(mine.get(0).path()).isEqualTo(env.home() + "/skills/" + SKILL_NAME + "/SKILL.md");
    }

    static void review(CodexClient codex, Env env) throws Exception {
        try (Events events = new Events(codex)) {
            String id = codex.threadStart(ThreadStartParams.builder().cwd(env.repo()).build()).thread().id();
            ReviewStartResponse review = codex.reviewStart(new ReviewStartParams(ReviewDelivery.INLINE, new ReviewTarget.UncommittedChanges(), id));
            assertThat(review.reviewThreadId()).isEqualTo(id);
            String turnId = review.turn().id();
            CodexEvent done = events.await("turn/completed of the review",
                    e -> e.method().equals("turn/completed") && turnId.equals(params(e, TurnCompletedNotification.class).turn().id()));
            assertThat(params(done, TurnCompletedNotification.class).turn().status()).isEqualTo(TurnStatus.COMPLETED);
            List<ThreadItem> items = completedItems(events, turnId);
            // codex enters review mode, sends its review prompt, turns the model's JSON findings into text, and leaves review mode
            String expected = REVIEW_EXPLANATION + "\n\nReview comment:\n\n- " + REVIEW_TITLE + " \u2014 " + env.repo()
                    + "/greeting.txt:1-1\n  " + REVIEW_BODY;
            assertThat(items).filteredOn(ThreadItem.EnteredReviewMode.class::isInstance)
                    .extracting(i -> ((ThreadItem.EnteredReviewMode) i).review()).containsExactly("current changes");
            assertThat(items).filteredOn(ThreadItem.UserMessage.class::isInstance).hasSize(1);
            assertThat(items).filteredOn(ThreadItem.ExitedReviewMode.class::isInstance)
                    .extracting(i -> ((ThreadItem.ExitedReviewMode) i).review()).containsExactly(expected);
            assertThat(items).filteredOn(ThreadItem.AgentMessage.class::isInstance)
                    .extracting(i -> ((ThreadItem.AgentMessage) i).text()).containsExactly(expected);
            assertThat(items.get(items.size() - 1)).isInstanceOf(ThreadItem.AgentMessage.class);
            assertThat(events.methods()).contains("turn/started", "thread/status/changed");
        }
    }

    static void commandExec(CodexClient codex, Env env) {
        CommandExecResponse hi = codex.commandExec(CommandExecParams.builder().command(List.of("echo", "hi")).cwd(env.work()).build());
        assertThat(hi.exitCode()).isZero();
        assertThat(hi.stdout()).isEqualTo("hi\n");
        assertThat(hi.stderr()).isEmpty();
        CommandExecResponse fails = codex.commandExec(CommandExecParams.builder()
                .command(List.of("sh", "-c", "echo oops >&2; exit 3")).cwd(env.work()).build());
        assertThat(fails.exitCode()).isEqualTo(3);
        assertThat(fails.stdout()).isEmpty();
        assertThat(fails.stderr()).isEqualTo("oops\n");
    }

    static void fuzzyFileSearch(CodexClient codex, Env env) {
        FuzzyFileSearchResponse found = codex.fuzzyFileSearch(new FuzzyFileSearchParams(null, "bridgeclient", List.of(env.tree())));
        assertThat(found.files()).isNotEmpty();
        FuzzyFileSearchResult best = found.files().get(0);
        assertThat(best.path()).isEqualTo("src/main/BridgeClient.java");
        assertThat(best.fileName()).isEqualTo("BridgeClient.java");
        assertThat(best.root()).isEqualTo(env.tree());
        FuzzyFileSearchResponse none = codex.fuzzyFileSearch(new FuzzyFileSearchParams(null, "zzqqxxnothing", List.of(env.tree())));
        assertThat(none.files()).isEmpty();
    }

    /** The groups by name, for listings. */
    public static Map<String, Group> byName() {
        Map<String, Group> out = new LinkedHashMap<>();
        all().forEach(g -> out.put(g.name(), g));
        return out;
    }

    /**
     * {@code thread/revert} right after a turn: codex may still hold the thread's writer for a moment
     * after {@code turn/completed} (refused "already has an active writer", seen beside two busy
     * loops), so the refusal is asked again until codex lets go, within a minute.
     */
    private static ThreadRevertResponse revertOnceCodexLetsGo(CodexClient codex, String turnId, String threadId) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                return codex.threadRevert(new ThreadRevertParams(turnId, threadId));
            } catch (dev.codexbridge.rpc.RpcException e) {
                if (e.getMessage() == null || !e.getMessage().contains("already has an active writer") || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
