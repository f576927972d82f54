package dev.codexbridge.cli;

import dev.codexbridge.json.Json;
import dev.codexbridge.protocol.CodexThread;
import dev.codexbridge.protocol.ThreadArchiveParams;
import dev.codexbridge.protocol.ThreadForkParams;
import dev.codexbridge.protocol.ThreadForkResponse;
import dev.codexbridge.protocol.ThreadListCwdFilter;
import dev.codexbridge.protocol.ThreadListParams;
import dev.codexbridge.protocol.ThreadListResponse;
import dev.codexbridge.protocol.ThreadReadParams;
import dev.codexbridge.protocol.ThreadReadResponse;
import dev.codexbridge.protocol.ThreadUnarchiveParams;
import dev.codexbridge.protocol.ThreadUnarchiveResponse;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "threads", mixinStandardHelpOptions = true,
        description = {"List, read, fork, archive and unarchive codex's threads.",
            "Exit codes: 0 done, 1 codex failed or answered an error, 2 usage error."},
        subcommands = {ThreadsCommand.ListThreads.class, ThreadsCommand.Read.class, ThreadsCommand.Fork.class,
            ThreadsCommand.Archive.class, ThreadsCommand.Unarchive.class})
final class ThreadsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"One line per thread, newest first: id, last update (UTC), name or preview.",
                "With --store, the store's conversations instead, in thread-id order: id, when stored (UTC), version, bytes, "
                        + "owner, name; codex is not started."})
    static final class ListThreads implements Callable<Integer> {
        @Mixin
        ApiOptions api;

        @Mixin
        StoreOptions store;

        @Option(names = "--archived", description = "List archived threads instead.")
        boolean archived;

        @Option(names = "--limit", paramLabel = "N", description = "Threads per page (default: codex's page size).")
        Long limit;

        @Option(names = "--cursor", description = "Continue after a previous page (its nextCursor).")
        String cursor;

        @Option(names = "--cwd", paramLabel = "DIR", description = "Only threads whose working directory is DIR.")
        Path cwd;

        @Override
        public Integer call() {
            if (limit != null && limit < 1) {
                System.err.println("codex-bridge threads list: --limit must be at least 1");
                return 2;
            }
            if (store.given() || store.passwordFile != null) {
                if (archived || cwd != null) {
                    System.err.println("codex-bridge threads list: --archived and --cwd are codex's; a store lists every conversation it holds");
                    return 2;
                }
                return StoredThreads.list(store, api, limit, cursor);
            }
            ThreadListParams params = ThreadListParams.builder().archived(archived ? Boolean.TRUE : null).limit(limit)
                    .cursor(cursor)
                    .cwd(cwd == null ? null : new ThreadListCwdFilter.StringValue(cwd.toAbsolutePath().normalize().toString()))
                    .build();
            return api.call("threads list", client -> {
                ThreadListResponse r = client.threadList(params);
                if (api.json) {
                    System.out.println(Json.write(r));
                    return 0;
                }
                for (CodexThread t : r.data()) {
                    System.out.println(ApiText.threadLine(t));
                }
                if (r.nextCursor() != null) {
                    System.err.println("more threads: --cursor " + ApiText.escape(r.nextCursor()));
                }
                return 0;
            });
        }
    }

    @Command(name = "read", mixinStandardHelpOptions = true,
            description = {"A thread's id, name, cwd, status, turn count and last turn; --turns adds a line per turn and item.",
                "With --store, the stored conversation instead: owner, name, goal, version, last completed turn and its "
                        + "rollout files; codex is not started."})
    static final class Read implements Callable<Integer> {
        @Mixin
        ApiOptions api;

        @Mixin
        StoreOptions store;

        @Parameters(paramLabel = "ID", description = "Thread id.")
        String id;

        @Option(names = "--turns", description = "Also list the turns and their items.")
        boolean turns;

        @Override
        public Integer call() {
            if (store.given() || store.passwordFile != null) {
                if (turns) {
                    System.err.println("codex-bridge threads read: --turns asks codex; with --store the stored record is read");
                    return 2;
                }
                return StoredThreads.read(store, api, id);
            }
            return api.call("threads read", client -> {
                // the turns are read in any case: the summary counts them
                ThreadReadResponse r = client.threadRead(new ThreadReadParams(true, id));
                if (api.json) {
                    System.out.println(Json.write(r));
                } else {
                    ApiText.threadSummary(r.thread(), turns).forEach(System.out::println);
                }
                return 0;
            });
        }
    }

    @Command(name = "fork", mixinStandardHelpOptions = true, description = "Fork a thread; prints the new thread's id.")
    static final class Fork implements Callable<Integer> {
        @Mixin
        ApiOptions api;

        @Parameters(paramLabel = "ID", description = "Thread id to fork.")
        String id;

        @Override
        public Integer call() {
            return api.call("threads fork", client -> {
                ThreadForkResponse r = client.threadFork(ThreadForkParams.builder().threadId(id).build());
                System.out.println(api.json ? Json.write(r) : ApiText.escape(r.thread().id()));
                return 0;
            });
        }
    }

    @Command(name = "archive", mixinStandardHelpOptions = true,
            description = "Archive a thread: it leaves `threads list` and shows in `threads list --archived`.")
    static final class Archive implements Callable<Integer> {
        @Mixin
        ApiOptions api;

        @Parameters(paramLabel = "ID", description = "Thread id.")
        String id;

        @Override
        public Integer call() {
            return api.call("threads archive", client -> {
                Object r = client.threadArchive(new ThreadArchiveParams(id));
                System.out.println(api.json ? Json.write(r) : "archived " + ApiText.escape(id));
                return 0;
            });
        }
    }

    @Command(name = "unarchive", mixinStandardHelpOptions = true, description = "Bring an archived thread back.")
    static final class Unarchive implements Callable<Integer> {
        @Mixin
        ApiOptions api;

        @Parameters(paramLabel = "ID", description = "Thread id.")
        String id;

        @Override
        public Integer call() {
            return api.call("threads unarchive", client -> {
                ThreadUnarchiveResponse r = client.threadUnarchive(new ThreadUnarchiveParams(id));
                System.out.println(api.json ? Json.write(r) : "unarchived " + ApiText.escape(id));
                return 0;
            });
        }
    }
}
