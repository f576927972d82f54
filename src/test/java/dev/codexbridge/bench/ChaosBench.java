package dev.codexbridge.bench;

import dev.codexbridge.chaos.ChaosPoolRun;
import dev.codexbridge.chaos.ChaosRun;
import dev.codexbridge.chaos.ReplicasRun;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The compound-fault run of issue 33 against the real codex: {@code bin/bench chaos SESSIONS SECONDS
 * [SEED] [--report FILE]}. Sessions on one shared WebSocket client through a fault proxy, with
 * resets, clean closes and stalls every 5–20 s, codex killed every 40–90 s and the host JVM every
 * 60–120 s; afterwards each reported turn is compared with codex's record and the divergences are
 * printed by kind. Exits 1 on any divergence, 2 on bad arguments.
 *
 * <p>{@code --pool3} (or {@code CHAOS_POOL=3} in the environment): across three app-servers on homes
 * of their own, one pool with a PostgreSQL store in the host, an app-server killed with its home
 * deleted instead of killed alone, and an endpoint drained and undrained ({@link ChaosPoolRun}).
 *
 * <p>{@code --replicas [--store-lease SECONDS]}: the service itself as three replicas (the CLI's
 * {@code a2a}, {@code mcp} and {@code openai}) in network namespaces on PostgreSQL behind a proxy, a replica
 * killed, a principal's codex lost with its home, a replica cut from PostgreSQL ({@link ReplicasRun}).
 */
public final class ChaosBench {
    private ChaosBench() {
    }

    public static void main(String[] args) throws Exception {
        // codex's own stderr (a reset connection, a resume's ignored overrides) is not this report's business
        System.setProperty("org.slf4j.simpleLogger.log.dev.codexbridge.codex.stderr", "error");
        System.setProperty("org.slf4j.simpleLogger.log.com.zaxxer.hikari", "warn");
        Path report = null;
        boolean pool = "3".equals(System.getenv("CHAOS_POOL"));
        boolean replicas = false;
        Long lease = null;
        java.util.List<String> positional = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--pool3")) {
                pool = true;
            } else if (args[i].equals("--replicas")) {
                replicas = true;
            } else if (args[i].equals("--store-lease") && i + 1 < args.length) {
                lease = Long.parseLong(args[++i]);
            } else if (args[i].equals("--report") && i + 1 < args.length) {
                report = Path.of(args[++i]);
            } else {
                positional.add(args[i]);
            }
        }
        if (positional.size() < 2 || positional.size() > 3) {
            System.err.println("usage: bin/bench chaos [--pool3 | --replicas [--store-lease SECONDS]] SESSIONS SECONDS [SEED] [--report FILE]");
            System.exit(2);
        }
        int sessions;
        long seconds;
        long seed;
        try {
            sessions = Integer.parseInt(positional.get(0));
            seconds = Long.parseLong(positional.get(1));
            seed = positional.size() > 2 ? Long.parseLong(positional.get(2)) : 1;
        } catch (NumberFormatException e) {
            System.err.println("chaos: SESSIONS, SECONDS and SEED are whole numbers: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (replicas) {
            System.out.printf("chaos: %d conversations, %d s, seed %d, three service replicas on PostgreSQL%s%n", sessions, seconds, seed,
                    lease != null ? ", " + lease + " s leases" : "");
            int total = ReplicasRun.run(sessions, Duration.ofSeconds(seconds), seed, lease, System.out);
            System.exit(total == 0 ? 0 : 1);
        }
        System.out.printf("chaos: %d sessions, %d s, seed %d%s%n", sessions, seconds, seed, pool ? ", three app-servers with a store" : "");
        ChaosRun.Settings settings = ChaosRun.Settings.of(sessions, Duration.ofSeconds(seconds), seed, System.out);
        ChaosRun.Outcome o = pool ? ChaosPoolRun.run(settings) : ChaosRun.run(settings);
        if (report != null) {
            ChaosRun.writeReport(o, report);
        }
        System.out.printf("chaos: %d processes left at the end (killed)%n", LiveRig.reapChildren(Duration.ofSeconds(10)));
        System.exit(o.total() == 0 ? 0 : 1);
    }
}
