package dev.codexbridge.cli;

import java.time.Duration;
import dev.codexbridge.a2a.A2aLimits;
import dev.codexbridge.a2a.A2aServer;
import dev.codexbridge.callers.Authenticator;
import dev.codexbridge.a2a.PushOptions;
import dev.codexbridge.a2a.ContextStore;
import dev.codexbridge.a2a.SealingKeys;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Serves codex as an Agent2Agent (A2A) agent until stopped (docs/a2a.md): the agent card, A2A
 * 1.0's JSON-RPC and HTTP+JSON bindings and 0.3's JSON-RPC, SSE, push notifications, one codex
 * app-server shared by every context. Callers authenticate by {@code --tokens} or the
 * {@code --jwt-*} options; without either, one token is made up for principal {@code default}
 * and printed.
 */
@Command(name = "a2a", mixinStandardHelpOptions = true,
        description = "Serve codex as an Agent2Agent (A2A) agent over HTTP (A2A 1.0 JSON-RPC and HTTP+JSON, 0.3 JSON-RPC, SSE, "
                + "push notifications, bearer tokens or JWTs) until stopped.")
final class A2aCommand implements Callable<Integer> {
    /** The contexts' connections to a database store: the records' writer, the tick, the heartbeat, a caller's read. */
    private static final int CONTEXT_CONNECTIONS = 4;

    @Option(names = "--listen", paramLabel = "HOST:PORT", required = true,
            description = "Where to listen, e.g. 127.0.0.1:8080 (port 0: any free port).")
    String listen;

    @Option(names = "--public-url", paramLabel = "URL",
            description = "The address the agent card names, when callers reach the server through a proxy or another name "
                    + "(default: http://HOST:PORT/ of --listen).")
    java.net.URI publicUrl;

    @Option(names = "--codex-bin", description = "codex binary (default: CODEX_BIN, the project-local install, PATH).")
    Path codexBin;

    @Option(names = "--codex-home", description = "CODEX_HOME for codex (default: inherited, i.e. ~/.codex).")
    Path codexHome;

    @Option(names = "--workspace",
            description = "The folder holding one workspace per principal (default: in each principal's tenant folder); with "
                    + "--shared-codex, the working directory of every context's codex thread (default: the current one).")
    Path workspace;

    @Option(names = "--push-allow-private",
            description = "Let push notification webhooks be on loopback, link-local and private addresses (refused by default: SSRF).")
    boolean pushAllowPrivate;

    @Option(names = "--no-push", description = "Turn push notifications off.")
    boolean noPush;

    @Option(names = "--push-secret-key-file", paramLabel = "FILE",
            description = "The keys sealing the push configs (webhook URLs, tokens, credentials) kept in a --store jdbc:postgresql:// "
                    + "database: base64 AES-256 keys (openssl rand -base64 32), one a line, the first sealing, each opening "
                    + "(default: the keys in CODEX_BRIDGE_PUSH_SECRET_KEY). With a database store and no key, push notifications are off.")
    Path pushSecretKeyFile;

    /** The process's environment (a test's own map in its place). */
    java.util.Map<String, String> environment = System.getenv();

    @Option(names = "--contexts", paramLabel = "DIR",
            description = "Keep each context's codex thread and owner in DIR (created owner-only), so contexts and tasks "
                    + "outlive a restart on the same --codex-home (default: in memory).")
    Path contexts;

    @Option(names = "--streams", paramLabel = "N", defaultValue = "64",
            description = "SSE streams and waiting blocking sends at once, all callers together (default: ${DEFAULT-VALUE}).")
    int streams;

    @Option(names = "--streams-per-principal", paramLabel = "N",
            description = "SSE streams one caller may have open at once (default: 16, or --streams when fewer).")
    Integer streamsPerPrincipal;

    @Option(names = "--blocking-sends-per-principal", paramLabel = "N",
            description = "Blocking sends one caller may have waiting at once (default: 16, or --streams when fewer).")
    Integer blockingSendsPerPrincipal;

    @Option(names = "--tasks-per-principal", paramLabel = "N", defaultValue = "100",
            description = "Tasks kept per caller, ended ones included (default: ${DEFAULT-VALUE}).")
    int tasksPerPrincipal;

    @Option(names = "--tasks", paramLabel = "N", defaultValue = "10000",
            description = "Tasks kept, all callers together (default: ${DEFAULT-VALUE}).")
    int tasks;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "20",
            description = "On stop, how long the calls and turns in flight are waited for before the turns are interrupted "
                    + "(default: ${DEFAULT-VALUE}).")
    long drainSeconds;

    @Mixin
    CallerAuthOptions callers;

    @Mixin
    CallerCodexOptions callerCodex;

    @Mixin
    HostPolicyOptions hostPolicy;

    @Mixin
    StorageOptions storage;

    @Option(names = "--offline-demo",
            description = "codex on the bundled scripted model in a throw-away CODEX_HOME: no credentials. It echoes; "
                    + "a message containing 'run' makes codex ask to run 'pwd' outside the sandbox (input-required with "
                    + "--caller-approvals, else declined).")
    boolean offlineDemo;

    @Override
    public Integer call() throws Exception {
        JettyLogging.quiet();
        PrintStream err = System.err;
        ListenAddress at = ListenAddress.parse(listen);
        String host = at.host();
        int port = at.port();
        if (offlineDemo && codexHome != null) {
            throw new IllegalArgumentException("--offline-demo makes its own CODEX_HOME; leave out --codex-home");
        }
        if (contexts != null && storage.store.given() && storage.store.isJdbc()) {
            throw new IllegalArgumentException("--contexts keeps contexts on this machine, but with --store jdbc:postgresql://... they live "
                    + "in the store's database, shared by every replica: leave out --contexts");
        }
        if (offlineDemo && contexts != null) {
            throw new IllegalArgumentException("--contexts keeps threads for a later run, but --offline-demo's CODEX_HOME is thrown away: "
                    + "leave out one of them");
        }
        A2aLimits limits;
        try {
            int share = Math.min(A2aLimits.DEFAULTS.streamsPerPrincipal(), streams);
            limits = A2aLimits.DEFAULTS.withTasksPerPrincipal(tasksPerPrincipal).withTasks(tasks).withStreams(streams,
                    streamsPerPrincipal != null ? streamsPerPrincipal : share, blockingSendsPerPrincipal != null ? blockingSendsPerPrincipal : share);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--streams, --streams-per-principal, --blocking-sends-per-principal, --tasks, "
                    + "--tasks-per-principal: " + e.getMessage(), e);
        }
        callerCodex.remembered();   // refused before anything starts
        Path work = workspace != null ? workspace.toAbsolutePath() : Path.of("").toAbsolutePath();
        if (!Files.isDirectory(work)) {
            throw new IllegalArgumentException("--workspace is not a directory: " + work);
        }
        SealingKeys keys = pushSecretKeys();
        try (OrderlyStop stop = new OrderlyStop("a2a", err)) {
            // closed last: the sessions store into it as they close
            ConversationStorage conversations = storage.open("a2a", stop);
            Authenticator authenticator = callers.authenticator("a2a", err);
            Path binary = PinnedCodex.locateOrInstall(codexBin, System.err);
            ScriptedModelServer model = offlineDemo ? stop.add(ScriptedModelServer.start().recording(false).respondWhenEmpty(new OfflineDemoModel()))
                    : null;
            List<Path> secrets = new ArrayList<>(callers.secretFiles());
            if (contexts != null) {
                secrets.add(contexts.toAbsolutePath());     // who owns which context: not for the callers' commands either
            }
            secrets.addAll(storage.store.secrets());
            if (pushSecretKeyFile != null) {
                secrets.add(pushSecretKeyFile.toAbsolutePath());
            }
            IsolatedCodexHome.Builder demo = model == null ? null
                    : IsolatedCodexHome.builder(Files.createTempDirectory("codex-bridge-a2a-"), model.baseUrl())
                            .askForApproval("on-request").sandboxMode("read-only");
            Path demoRoot = demo != null && !callerCodex.shared ? OfflineDemoModel.tenantsRoot("a2a") : null;
            if (demoRoot != null) {
                stop.add(() -> OfflineDemoModel.deleteTenantsRoot(demoRoot));
            }
            CallerCodexOptions.Backend backend = callerCodex.backend("a2a", true, binary, demo != null && callerCodex.shared ? demo.write() : codexHome,
                    workspace == null && !callerCodex.shared ? null : work, demo != null ? demo.configToml() : null, demoRoot, secrets, conversations);
            stop.add(backend.resources());
            // closed after the server (which closes them) and before codex and the store: each conversation stored and let go
            // the server waits for its contexts' stores itself, after its drain: this wait shares that one's bound
            Duration drain = Duration.ofSeconds(Math.max(0, drainSeconds));
            OpenSessions sessions = stop.add(new OpenSessions("a2a", err, OpenSessions.sharedWith(stop, drain.plus(OpenSessions.SERVER_AFTER_DRAIN))));
            A2aServer server = stop.add(A2aServer.builder().host(host).port(port).publicUri(publicUrl).authenticator(authenticator)
                    .anonymous(callers.anonymous).allowedOrigins(callers.allowedOrigins).allowedHosts(callers.allowedHosts)
                    .limits(limits).drainTimeout(drain)
                    .push(noPush ? null : pushAllowPrivate ? PushOptions.DEFAULTS.allowingPrivateAddresses() : PushOptions.DEFAULTS)
                    .pushSecretKeys(keys)
                    .contexts(contextStore(conversations, stop))
                    .readiness(StorageOptions.readiness(conversations))
                    .gateway(backend.gateway().approvals(hostPolicy.policy()).callerApprovals(hostPolicy.callerApprovals)
                            .onOpen(sessions::opened).build())
                    .start());
            // SIGTERM ends the wait: the command returns, closing everything in order, and exits 0 (docs/deploy)
            CountDownLatch stopped = stop.catchStopSignals();
            err.println("codex-bridge a2a: A2A agent at " + server.uri() + " (card: " + server.uri().resolve("/.well-known/agent-card.json")
                    + "), " + backend.describe() + (conversations != null ? ", " + storage.store.describe() : "")
                    + (offlineDemo ? ", offline demo model at " + model.baseUrl() : "") + "; Ctrl-C stops it");
            stopped.await();
            return 0;
        }
    }

    /**
     * The keys sealing push configs at rest (decision 0104): {@code --push-secret-key-file}, else
     * {@code CODEX_BRIDGE_PUSH_SECRET_KEY}'s, else none (push notifications off on a database store).
     */
    @Nullable SealingKeys pushSecretKeys() {
        if (pushSecretKeyFile != null) {
            try {
                return SealingKeys.read(pushSecretKeyFile);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("--push-secret-key-file " + pushSecretKeyFile + " cannot be read: " + e, e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--push-secret-key-file " + e.getMessage(), e);
            }
        }
        String env = environment.get("CODEX_BRIDGE_PUSH_SECRET_KEY");
        if (env == null || env.isBlank()) {
            return null;
        }
        try {
            return SealingKeys.parse(env);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("CODEX_BRIDGE_PUSH_SECRET_KEY: " + e.getMessage(), e);
        }
    }

    /**
     * Where contexts, tasks and push configurations live: with a database store, in its database
     * under this process's holder name, so that every replica on it answers every caller (decision
     * 0071); else in {@code --contexts}, else in memory. The database's pool closes after the server.
     */
    ContextStore contextStore(@Nullable ConversationStorage conversations, OrderlyStop stop) {
        if (conversations != null && storage.store.isJdbc()) {
            javax.sql.DataSource db = stop.add(storage.store.openDataSource("codex-bridge-a2a-contexts", CONTEXT_CONNECTIONS));
            // one gate for the database both stores are on (an outage costs a call one wait, not one per store), and one session:
            // a replica is dead to the others as its leases end (decision 0138)
            return storage.store.awaitDatabase(() -> ContextStore.postgres(db, conversations.holder(), ContextStore.DEFAULT_MAX_CONTEXTS,
                    conversations.store()));
        }
        // in memory (a folder's are read into memory too): as many as the door remembers
        return contexts != null ? ContextStore.files(contexts, callerCodex.remembered()) : ContextStore.inMemory(callerCodex.remembered());
    }
}
