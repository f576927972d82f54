package dev.codexbridge.store;

import dev.codexbridge.store.postgresql.PostgresConversationStore;
import dev.codexbridge.support.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Another host in a JVM of its own, for the contract tests: {@code crash} leases a conversation
 * and puts a version whose source stalls halfway (the test kills it there); {@code race} leases
 * each id of a file as fast as it can once told "go", and prints the ones it won; {@code hold}
 * leases a conversation, says "held" and waits (the test kills or stops it there).
 */
public final class StoreChild {
    private StoreChild() {
    }

    public static void main(String[] args) throws Exception {
        try (ConversationStore store = open(args[1])) {
            switch (args[0]) {
                case "crash" -> crash(store, args[2], Long.parseLong(args[3]), Duration.ofMillis(Long.parseLong(args[4])));
                case "crash-append" -> crashAppending(store, args[2], Duration.ofMillis(Long.parseLong(args[3])));
                case "race" -> race(store, Files.readAllLines(Path.of(args[2])));
                case "hold" -> hold(store, args[2], Duration.ofMillis(Long.parseLong(args[3])));
                default -> throw new IllegalArgumentException("crash or race: " + args[0]);
            }
        }
    }

    /** Starts a child JVM on the test class path: {@code mode}, then the store's spec, then the mode's arguments. */
    static Process start(String spec, String mode, String... args) throws java.io.IOException {
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-cp", ChildJvm.classPath(), "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", StoreChild.class.getName(),
                mode, spec));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** {@code disk:<folder>} or {@code pg:<JDBC URL>}. */
    static ConversationStore open(String spec) {
        if (spec.startsWith("disk:")) {
            return DiskConversationStore.open(Path.of(spec.substring(5)));
        }
        if (spec.startsWith("pg:")) {
            return PostgresConversationStore.builder().jdbcUrl(spec.substring(3)).maxPoolSize(2).build();
        }
        throw new IllegalArgumentException("disk:<folder> or pg:<url>: " + spec);
    }

    /** Leases and releases conversations of its own first, so the race is between two warm processes. */
    static void warmUp(ConversationStore store) {
        for (int i = 0; i < 200; i++) {
            store.release(store.lease(Lineages.newThreadId(), "warm-up", Duration.ofMinutes(1)));
        }
    }

    private static void crash(ConversationStore store, String threadId, long version, Duration ttl) throws Exception {
        CountDownLatch halfway = new CountDownLatch(1);
        // made before the lease is taken: the lease is in force when the put starts, however slow this machine is
        StoredConversation next = StoredConversation.builder(threadId,
                List.of(Lineages.stallingHalfway(threadId, Lineages.jsonl(1 << 20, 99), halfway))).version(version).build();
        tellWhenHalfway(halfway);
        store.put(store.lease(threadId, "crashing-host", ttl), next);
        System.out.println("put ended without stalling");
    }

    /** As {@link #crash}, the put an append to the stored conversation's only file, its tail stalling halfway. */
    private static void crashAppending(ConversationStore store, String threadId, Duration ttl) throws Exception {
        CountDownLatch halfway = new CountDownLatch(1);
        StoredConversation base = store.get(threadId).orElseThrow();
        RolloutFile own = base.lineage().get(0);
        byte[] bytes = own.bytes();
        byte[] tail = Lineages.jsonl(512 << 10, 99);
        RolloutFile stalling = Lineages.stallingHalfway(threadId, tail, halfway);
        StoredConversation next = base.toBuilder().lineage(List.of(StoreAppendContract.unreadable(own.relativePath(),
                StoreAppendContract.concat(bytes, tail)))).build();
        RolloutAppend append = new RolloutAppend(own.relativePath(), own.size(), own.sha256(), stalling.size(), stalling.sha256(), stalling.content());
        tellWhenHalfway(halfway);
        store.putAppending(store.lease(threadId, "crashing-host", ttl), next, List.of(append));
        System.out.println("put ended without stalling");
    }

    /** Prints "halfway" once {@code halfway} is counted down: the parent's cue to kill this process. */
    private static void tellWhenHalfway(CountDownLatch halfway) {
        Thread tell = new Thread(() -> {
            try {
                halfway.await();
                System.out.println("halfway");
                System.out.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        tell.setDaemon(true);
        tell.start();
    }

    /** Leases {@code threadId} for {@code ttl}, says so, and waits for its standard input to end. */
    private static void hold(ConversationStore store, String threadId, Duration ttl) throws Exception {
        store.lease(threadId, "held-by-child", ttl);
        System.out.println("held");
        System.out.flush();
        while (System.in.read() >= 0) {
            // the parent kills or stops this process while it holds the lease
        }
    }

    private static void race(ConversationStore store, List<String> ids) throws Exception {
        warmUp(store);
        System.out.println("ready");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (!"go".equals(in.readLine())) {
            return;
        }
        for (String id : ids) {
            try {
                store.lease(id, "child", Duration.ofMinutes(5));
                System.out.println("won " + id);
            } catch (ConversationLeasedException lost) {
                // the other process has it
            }
        }
        System.out.println("done");
        System.out.flush();
        // the leases stay this process's until the parent has raced through every id: a PostgreSQL store that closes lets go
        // of them at once (decision 0113)
        while (in.readLine() != null) {
            // until the parent closes this process's input
        }
    }
}
