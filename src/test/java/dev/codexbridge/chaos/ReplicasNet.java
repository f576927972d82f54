package dev.codexbridge.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The replicas' network for {@code bin/bench chaos --replicas}: PostgreSQL, its standby and each
 * replica in a network namespace of its own, joined by veth pairs to one bridge in the root namespace (where
 * the bench, its proxy and its model live at {@link #ROOT}). A partition is a blackhole route in a
 * replica's namespace toward PostgreSQL's address: packets are dropped silently, as on a cut link.
 * Names carry {@code cb61} so that a run left behind by a killed bench is found and removed.
 */
final class ReplicasNet implements AutoCloseable {
    static final String ROOT = "10.61.0.1";
    static final String POSTGRES = "10.61.0.2";
    /** The standby's own address, in namespace {@code pg2}; {@link #POSTGRES} moves there at a failover. */
    static final String STANDBY = "10.61.0.3";
    private static final String BRIDGE = "cb61br";
    private final List<String> namespaces = new ArrayList<>();

    /** The namespace of {@code name} ("pg", "r1", ...). */
    static String namespace(String name) {
        return "cb61-" + name;
    }

    /** A replica's address: r1 is 10.61.0.11. */
    static String replicaAddress(int replica) {
        return "10.61.0." + (10 + replica);
    }

    /** The command prefix that runs a program in {@code name}'s namespace. */
    static List<String> inside(String name) {
        return List.of("ip", "netns", "exec", namespace(name));
    }

    /** Creates the bridge and the namespaces {@code pg} and {@code r1..rN}, after removing any a killed run left. */
    static ReplicasNet create(int replicas) throws IOException, InterruptedException {
        removeLeftovers(replicas);
        ReplicasNet net = new ReplicasNet();
        try {
            ip("link", "add", BRIDGE, "type", "bridge");
            ip("addr", "add", ROOT + "/24", "dev", BRIDGE);
            ip("link", "set", BRIDGE, "up");
            net.add("pg", POSTGRES);
            net.add("pg2", STANDBY);
            for (int r = 1; r <= replicas; r++) {
                net.add("r" + r, replicaAddress(r));
            }
            return net;
        } catch (IOException | RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private void add(String name, String address) throws IOException, InterruptedException {
        String ns = namespace(name);
        String veth = "cb61v-" + name;
        ip("netns", "add", ns);
        namespaces.add(ns);
        ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
        ip("link", "set", veth, "master", BRIDGE, "up");
        ip("-n", ns, "addr", "add", address + "/24", "dev", "eth0");
        ip("-n", ns, "link", "set", "eth0", "up");
        ip("-n", ns, "link", "set", "lo", "up");
    }

    /** Cuts replica {@code r} from PostgreSQL: its packets toward it are dropped, nothing is refused. */
    void partition(int r) throws IOException, InterruptedException {
        ip("-n", namespace("r" + r), "route", "add", "blackhole", POSTGRES + "/32");
    }

    void heal(int r) throws IOException, InterruptedException {
        ip("-n", namespace("r" + r), "route", "del", "blackhole", POSTGRES + "/32");
    }

    /**
     * A failover's address move, as a virtual IP or a managed database's endpoint follows the new
     * primary: {@link #POSTGRES} leaves {@code pg} and comes up in {@code pg2}; each replica's and
     * the root's neighbour entry for it is flushed, as the gratuitous ARP of such a move would
     * update it.
     */
    void movePostgresToStandby(int replicas) throws IOException, InterruptedException {
        ip("-n", namespace("pg"), "addr", "del", POSTGRES + "/24", "dev", "eth0");
        ip("-n", namespace("pg2"), "addr", "add", POSTGRES + "/24", "dev", "eth0");
        for (int r = 1; r <= replicas; r++) {
            ip("-n", namespace("r" + r), "neigh", "flush", "to", POSTGRES);
        }
        ip("neigh", "flush", "to", POSTGRES);
    }

    @Override
    public void close() {
        for (String ns : namespaces) {
            quietly("netns", "del", ns);        // its end of the veth goes with it, and so the pair
        }
        namespaces.clear();
        quietly("link", "del", BRIDGE);
    }

    private static void removeLeftovers(int replicas) {
        quietly("netns", "del", namespace("pg"));
        quietly("netns", "del", namespace("pg2"));
        for (int r = 1; r <= Math.max(replicas, 9); r++) {
            quietly("netns", "del", namespace("r" + r));
        }
        quietly("link", "del", BRIDGE);
    }

    private static void quietly(String... args) {
        try {
            List<String> command = new ArrayList<>(List.of("ip"));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            // nothing to remove, or no ip: create() says so
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out.strip()
                    + " (the replicas' run needs root and iproute2: network namespaces, veth, a bridge)");
        }
    }
}
