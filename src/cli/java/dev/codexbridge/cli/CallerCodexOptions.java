package dev.codexbridge.cli;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.gateway.ThreadOwners;
import dev.codexbridge.process.AppServerRecycle;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.MountNamespace;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.tenant.CodexTenants;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * Where the servers' callers' codex runs ({@code a2a}, {@code mcp --http}). By default each
 * principal is a tenant (decision 0048): a codex of its own, started on demand and stopped when
 * idle, with its own {@code CODEX_HOME} and workspace under {@code --tenants-root}, in a mount
 * namespace where no other principal's folder exists — so no command of one caller can list or
 * read another's conversations, workspace or the callers' tokens. {@code --shared-codex} runs
 * one codex for every caller instead (one trusted caller, or a host without bubblewrap).
 */
final class CallerCodexOptions {
    /** The API-key variables a tenant's codex gets from this process, so its model requests authenticate. */
    static final List<String> CREDENTIAL_VARIABLES = List.of("OPENAI_API_KEY", "CODEX_API_KEY", "OPENAI_BASE_URL");

    @Option(names = "--shared-codex",
            description = "One codex (one CODEX_HOME, one workspace) for every caller, instead of one per principal. Callers then "
                    + "share what codex's commands can read: each other's conversations under CODEX_HOME and the workspace. Who "
                    + "opened each thread is kept in $XDG_DATA_HOME/codex-bridge/<command>-thread-owners, so a caller resumes "
                    + "only its own; that record and the callers' credential files are hidden from the codex (bubblewrap).")
    boolean shared;

    @Option(names = "--tenants-root", paramLabel = "DIR",
            description = "Where each principal's codex home and workspace live, one owner-only folder each (default: "
                    + "$XDG_DATA_HOME/codex-bridge/<command>-tenants, i.e. ~/.local/share/...). Not under /tmp.")
    Path tenantsRoot;

    @Option(names = "--tenant-idle-timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "Stop a principal's codex after this long without a conversation (default: ${DEFAULT-VALUE}).")
    long tenantIdleSeconds;

    @Option(names = "--hibernate-after", paramLabel = "SECONDS", defaultValue = "60",
            description = "Let a conversation's codex thread go after this long without a turn (it is resumed on the next one), "
                    + "so an idle principal's codex can stop (default: ${DEFAULT-VALUE}; 0: never).")
    long hibernateSeconds;

    @Option(names = "--conversations-remembered", paramLabel = "N", defaultValue = "100000",
            description = "How many conversations the door remembers in memory beyond those it holds open, the least recently used "
                    + "forgotten first (default: ${DEFAULT-VALUE}): which principal started each thread and where it was last opened "
                    + "(with --store, until a turn of it is stored), the A2A contexts kept in memory or in --contexts, the OpenAI "
                    + "responses and chat histories. A forgotten one is answered as an id nobody used (an A2A context or an OpenAI "
                    + "conversation then starts afresh); about 0.5 KiB each.")
    int conversationsRemembered;

    @Option(names = "--recycle-after", paramLabel = "CONVERSATIONS", defaultValue = "0",
            description = "Start each codex again once it has loaded this many conversations since it started, at a moment no turn "
                    + "runs (new turns and wakes wait for it, up to 10 s), to give back what codex keeps for every conversation it "
                    + "served (default: ${DEFAULT-VALUE}: never).")
    long recycleAfter;

    @Option(names = "--recycle-above", paramLabel = "MIB", defaultValue = "0",
            description = "Start each codex again, as --recycle-after does, once its resident memory has grown by this many MiB since "
                    + "it started (default: ${DEFAULT-VALUE}: never).")
    long recycleAboveMib;

    /** Each codex's recycle bound ({@code --recycle-after}, {@code --recycle-above}; decision 0116). */
    AppServerRecycle recycle() {
        if (recycleAfter < 0 || recycleAboveMib < 0) {
            throw new IllegalArgumentException("--recycle-after and --recycle-above must not be negative");
        }
        return AppServerRecycle.afterConversations(recycleAfter).orAboveGrowthMiB(recycleAboveMib);
    }

    /** The folder tenants live in when {@code --tenants-root} is not given. */
    static Path defaultRoot(String command) {
        String xdg = System.getenv("XDG_DATA_HOME");
        Path data = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "share");
        return data.resolve("codex-bridge").resolve(command + "-tenants");
    }

    /** Where a shared codex's thread owners are kept: beside the tenants' default root. */
    static Path ownersFolder(String command) {
        return defaultRoot(command).resolveSibling(command + "-thread-owners");
    }

    /**
     * Whether the codex clients open codex's experimental API: the {@code openai} command's callers
     * give function tools, which become codex dynamic tools, part of that API. Set by the command.
     */
    boolean experimentalApi;

    /** What the command serves sessions from, and what must be closed when it stops (closing the backend closes them). */
    record Backend(CodexGateway.Builder gateway, AutoCloseable resources, String describe) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            resources.close();
        }
    }

    /**
     * The gateway's backend. Shared: one codex on {@code codexHome}, every thread in
     * {@code workspace}. Per principal: tenants whose {@code config.toml} template is
     * {@code template} (the offline demo's) or, without one, the {@code config.toml} of
     * {@code codexHome} (else {@code CODEX_HOME}, else {@code ~/.codex}) when it has one; each
     * tenant's workspace is {@code workspace/<principal>} when a workspace was given, else
     * {@code <root>/<principal>/workspace}. With {@code storage}, the gateway and the tenants keep
     * every conversation in its store, each as its principal's (decision 0068).
     */
    Backend backend(String command, boolean remoteCallers, Path binary, @Nullable Path codexHome, @Nullable Path workspace,
            @Nullable String template, @Nullable Path demoRoot, List<Path> secrets, @Nullable ConversationStorage storage)
            throws IOException {
        int remembered = remembered();   // refused before anything starts
        if (shared) {
            Path work = workspace != null ? workspace : Path.of("").toAbsolutePath();
            CodexLaunch.Builder launch = CodexLaunch.appServer(binary).codexHome(codexHome).recycle(recycle());
            String confined = "";
            if (remoteCallers) {
                // one codex home for every caller: who opened which thread is kept on disk, so an evicted
                // or restarted conversation is never handed to another caller
                Path owners = ownersFolder(command);
                ThreadOwners record = ThreadOwners.files(owners);
                // the callers' credentials and that record are empty in the codex's namespace: a caller's command
                // reads neither another's token nor which threads are whose, nor the host's processes under /proc
                List<Path> hidden = new java.util.ArrayList<>(secrets);
                hidden.add(owners.toAbsolutePath());
                Optional<Path> bwrap = MountNamespace.bubblewrap(System.getenv("PATH"), binary);
                if (bwrap.isPresent()) {
                    launch.wrapper(MountNamespace.hiding(bwrap.get(), hidden));
                    confined = ", the callers' credentials and thread owners hidden from it";
                } else {
                    confined = ", NOT confined (no bubblewrap): the callers' commands can read " + hidden;
                }
                CodexClient codex = CodexClient.builder().process(launch.build()).experimentalApi(experimentalApi).connect();
                // with a store, its owner decides for a stored thread and this record for one not stored yet
                // (among them, threads opened before the store was): decision 0068
                return new Backend(CodexGateway.builder().client(codex).configure(b -> b.cwd(work)).threadOwners(record).storage(storage),
                        codex, "one shared codex, workspace " + work + confined);
            }
            CodexClient codex = CodexClient.builder().process(launch.build()).experimentalApi(experimentalApi).connect();
            return new Backend(CodexGateway.builder().client(codex).configure(b -> b.cwd(work)).storage(storage)
                    .threadsRemembered(remembered), codex, "one shared codex, workspace " + work);
        }
        if (tenantsRoot != null && demoRoot != null) {
            throw new IllegalArgumentException("--offline-demo makes its own tenants root; leave out --tenants-root");
        }
        Path root = (demoRoot != null ? demoRoot : tenantsRoot != null ? tenantsRoot : defaultRoot(command)).toAbsolutePath();
        String toml = template != null ? template : hostConfig(codexHome);
        // what the host keeps outside the tenants that no caller's command may read: the callers' credentials, its own codex home
        List<Path> hidden = new java.util.ArrayList<>(secrets);
        hidden.add(hostHome(codexHome));
        CodexTenants.Builder t = CodexTenants.builder().homesRoot(root).launch(CodexLaunch.appServer(binary).recycle(recycle()).build())
                .inheritEnvironment(CREDENTIAL_VARIABLES).hide(hidden).idleTimeout(Duration.ofSeconds(Math.max(1, tenantIdleSeconds)))
                .threadsRemembered(remembered);
        if (toml != null) {
            t.template(toml);
        }
        if (workspace != null) {
            t.workspacesRoot(workspace);
        }
        t.storage(storage);
        if (experimentalApi) {
            t.client(c -> c.experimentalApi(true));
        }
        CodexTenants tenants;
        try {
            tenants = t.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException("each principal gets a codex of its own under " + root + ", which cannot be used: "
                    + e.getMessage() + " (give --tenants-root DIR, or --shared-codex for one codex for every caller)", e);
        }
        // a conversation held open by a caller lets its thread go when idle, so the principal's codex can stop
        Duration hibernate = Duration.ofSeconds(Math.max(0, hibernateSeconds));
        CodexGateway.Builder gateway = CodexGateway.builder().tenants(tenants).storage(storage).threadsRemembered(remembered);
        if (!hibernate.isZero()) {
            gateway.configure(b -> b.hibernateAfter(hibernate));
        }
        return new Backend(gateway, tenants,
                "a codex per principal under " + root + (workspace != null ? ", workspaces under " + workspace : ""));
    }

    /** {@code --conversations-remembered}, refused below 1 with the option's name. */
    int remembered() {
        if (conversationsRemembered < 1) {
            throw new IllegalArgumentException("--conversations-remembered must be at least 1, not " + conversationsRemembered);
        }
        return conversationsRemembered;
    }

    /** The host's own {@code config.toml} as the tenants' template (model, provider, MCP servers), or null when there is none. */
    private static @Nullable String hostConfig(@Nullable Path codexHome) throws IOException {
        Path config = hostHome(codexHome).resolve("config.toml");
        return Files.isRegularFile(config) ? Files.readString(config) : null;
    }

    /** The host's codex home: {@code --codex-home}, else {@code CODEX_HOME}, else {@code ~/.codex}. */
    private static Path hostHome(@Nullable Path codexHome) {
        if (codexHome != null) {
            return codexHome.toAbsolutePath();
        }
        String env = System.getenv("CODEX_HOME");
        return env != null && !env.isBlank() ? Path.of(env).toAbsolutePath() : Path.of(System.getProperty("user.home"), ".codex");
    }
}
