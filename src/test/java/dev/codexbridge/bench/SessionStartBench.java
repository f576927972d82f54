package dev.codexbridge.bench;

import static dev.codexbridge.bench.ProcMemory.median;
import static dev.codexbridge.bench.ProcMemory.percentile;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Session start against the real codex: {@code start()} of a session on a warm shared connection
 * ({@code thread/start} only) against {@code start()} of a session that owns its codex process
 * (spawn, {@code initialize}, {@code initialized}, {@code thread/start}). The two alternate, one
 * of each per round, which goes first swapping every round; three warm-up rounds are dropped.
 * Run with {@code bin/bench session-start [N]}.
 */
public final class SessionStartBench {
    private SessionStartBench() {
    }

    private static final int WARM_UP = 3;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        List<Double> shared = new ArrayList<>();
        List<Double> own = new ArrayList<>();
        try (LiveRig rig = new LiveRig(); CodexClient client = rig.connect("session-start")) {
            for (int r = 0; r < n + WARM_UP; r++) {
                double s;
                double o;
                if (r % 2 == 0) {
                    s = sharedStart(rig, client);
                    o = ownStart(rig);
                } else {
                    o = ownStart(rig);
                    s = sharedStart(rig, client);
                }
                if (r >= WARM_UP) {
                    shared.add(s);
                    own.add(o);
                }
            }
        } finally {
            int killed = LiveRig.reapChildren(Duration.ofSeconds(20));
            if (killed > 0) {
                System.out.printf("session-start: %d left-over processes killed%n", killed);
            }
        }
        System.out.printf("session-start: %d rounds: warm shared connection median %.1f ms (p90 %.1f), own process median %.1f ms "
                        + "(p90 %.1f); warm/process %.3f (p90s %.3f)%n",
                n, median(shared), percentile(shared, 0.9), median(own), percentile(own, 0.9),
                median(shared) / median(own), percentile(shared, 0.9) / percentile(own, 0.9));
    }

    private static double sharedStart(LiveRig rig, CodexClient client) {
        // closing detaches the session; codex keeps the thread loaded, one more per round
        try (CodexSession s = rig.shared(client).build()) {
            long t = System.nanoTime();
            s.start();
            return (System.nanoTime() - t) / 1e6;
        }
    }

    private static double ownStart(LiveRig rig) {
        // closing (the shutdown ladder) is outside the timing
        try (CodexSession s = rig.ownProcess().build()) {
            long t = System.nanoTime();
            s.start();
            return (System.nanoTime() - t) / 1e6;
        }
    }
}
