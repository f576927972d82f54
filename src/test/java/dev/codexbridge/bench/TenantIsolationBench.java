package dev.codexbridge.bench;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantHomeSetup;
import dev.codexbridge.testkit.IsolatedCodexHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * What the tenants' isolation costs (docs/performance.md, "Tenant isolation"): a tenant's cold
 * start (its codex started, its first thread), a warm thread start, and a turn that runs one
 * command ({@code sleep 0}) under codex's {@code workspace-write} sandbox — for a codex started
 * on the tenant's home without a namespace ({@code plain}: a client of its own) and for the
 * tenants, each app-server in its mount namespace ({@code namespace}), alternating.
 * {@code bin/bench tenant-isolation [rounds]}.
 */
public final class TenantIsolationBench {
    private TenantIsolationBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        try (LiveRig rig = new LiveRig()) {
            String toml = IsolatedCodexHome.builder(rig.tmp.resolve("unused"), rig.model.baseUrl())
                    .sandboxMode("workspace-write").configToml();
            for (String variant : List.of("plain", "namespace", "plain", "namespace")) {
                run(rig, variant, toml, rounds);
            }
        } finally {
            LiveRig.reapChildren(Duration.ofSeconds(20));
        }
    }

    private static void run(LiveRig rig, String variant, String toml, int rounds) throws Exception {
        List<Double> cold = new ArrayList<>();
        List<Double> warm = new ArrayList<>();
        List<Double> command = new ArrayList<>();
        Path root = TestDirs.create("bench-isolation-" + variant);
        try (CodexTenants tenants = CodexTenants.builder().homesRoot(root.resolve("homes"))
                .launch(CodexLaunch.appServer(rig.binary).build()).homeSetup(TenantHomeSetup.configToml(toml))
                .maxProcesses(rounds + 1).build()) {
            for (int i = 0; i < rounds; i++) {
                String tenant = "t" + i;
                if (variant.equals("plain")) {
                    Path home = IsolatedCodexHome.builder(root.resolve(tenant), rig.model.baseUrl()).sandboxMode("workspace-write").write();
                    long t0 = System.nanoTime();
                    try (CodexClient client = CodexClient.builder().process(CodexLaunch.appServer(rig.binary).codexHome(home)
                            .configOverride("features.shell_snapshot", "false").build()).connect();
                         CodexSession first = session(CodexSession.builder().client(client), rig)) {
                        first.start();
                        cold.add(ms(t0));
                        measure(rig, warm, command, () -> session(CodexSession.builder().client(client), rig));
                    }
                } else {
                    long t0 = System.nanoTime();
                    try (CodexSession first = tenants.newSession(tenant, b -> configure(b, rig))) {
                        cold.add(ms(t0));
                        measure(rig, warm, command, () -> tenants.newSession(tenant, b -> configure(b, rig)));
                    }
                }
            }
        } finally {
            TestDirs.delete(root);
        }
        System.out.printf(Locale.ROOT, "tenant-isolation: [%s] %d tenants: cold start median %.0f ms (p90 %.0f), warm thread start "
                        + "median %.1f ms, turn with one command median %.0f ms (p90 %.0f)%n", variant, rounds, median(cold), p90(cold),
                median(warm), median(command), p90(command));
    }

    private interface Opener {
        CodexSession open();
    }

    private static void measure(LiveRig rig, List<Double> warm, List<Double> command, Opener opener) {
        long t1 = System.nanoTime();
        try (CodexSession s = opener.open()) {
            s.start();
            warm.add(ms(t1));
            long t2 = System.nanoTime();
            TurnResult r = s.runTurn(TurnInput.text("bench: sleep 0"));
            if (r.status() != TurnOutcome.COMPLETED || !"slept".equals(r.finalText())) {
                throw new IllegalStateException("the command turn did not complete: " + r.status() + " " + r.error());
            }
            command.add(ms(t2));
        }
    }

    private static void configure(CodexSession.Builder b, LiveRig rig) {
        b.limits(TurnLimits.of(LiveRig.TURN_TIMEOUT, Duration.ZERO));   // the thread runs in the tenant's own workspace
    }

    private static CodexSession session(CodexSession.Builder b, LiveRig rig) {
        configure(b, rig);
        return b.build();
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double median(List<Double> xs) {
        return percentile(xs, 0.5);
    }

    private static double p90(List<Double> xs) {
        return percentile(xs, 0.9);
    }

    private static double percentile(List<Double> xs, double q) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.isEmpty() ? Double.NaN : s.get(Math.min(s.size() - 1, (int) Math.floor(q * s.size())));
    }
}
