package dev.codexbridge.bench;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.protocol.ClientRequests;
import dev.codexbridge.protocol.CommandExecParams;
import dev.codexbridge.protocol.CommandExecResponse;
import dev.codexbridge.protocol.FsReadFileParams;
import dev.codexbridge.store.Lineages;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The ways to get a rollout's last bytes out of an app-server, for a turn's store: {@code bin/bench
 * rollout-tail [ROUNDS] [TAIL_BYTES]} (defaults 15, 20000). Per rollout size, alternating in each
 * round: codex's {@code fs/readFile} of the whole file (no offset: what an app-server over a
 * network offers), {@code command/exec} running {@code tail -c +N | base64} in codex's sandbox,
 * and a direct read of the new bytes at their offset (the host sharing codex's disk). Each is
 * checked to give exactly the file's bytes.
 */
public final class RolloutTailBench {
    private RolloutTailBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int tailBytes = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        Path tmp = Files.createTempDirectory("rollout-tail-");
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            Path work = Files.createDirectories(tmp.resolve("work"));
            CodexLaunch launch = CodexLaunch.appServer(new CodexLocator().locate(null).binary()).codexHome(home).workingDirectory(work)
                    .detachFromTerminal(true).build();
            try (CodexClient codex = CodexClient.builder().process(launch).connect()) {
                System.out.printf("rollout-tail: %d rounds, the last %d bytes wanted%n", rounds, tailBytes);
                for (int kib : new int[] {300, 1024, 3072}) {
                    Path file = Files.createDirectories(home.resolve("sessions/2026/11/26")).resolve("rollout-" + kib + ".jsonl");
                    byte[] bytes = Lineages.jsonl(kib * 1024, kib);
                    Files.write(file, bytes);
                    long offset = bytes.length - tailBytes;
                    byte[] tail = Arrays.copyOfRange(bytes, (int) offset, bytes.length);
                    long[] whole = new long[rounds];
                    long[] exec = new long[rounds];
                    long[] local = new long[rounds];
                    for (int r = -2; r < rounds; r++) {
                        long t0 = System.nanoTime();
                        byte[] read = Base64.getDecoder().decode(codex.request(ClientRequests.FS_READ_FILE,
                                new FsReadFileParams(file.toString())).dataBase64());
                        long t1 = System.nanoTime();
                        CommandExecResponse out = codex.request(ClientRequests.COMMAND_EXEC, CommandExecParams.builder()
                                .command(List.of("sh", "-c", "tail -c +" + (offset + 1) + " \"$1\" | base64 -w0", "sh", file.toString()))
                                .disableOutputCap(true).build());
                        byte[] execTail = Base64.getDecoder().decode(out.stdout().strip());
                        long t2 = System.nanoTime();
                        byte[] localTail = readAt(file, offset);
                        long t3 = System.nanoTime();
                        if (!Arrays.equals(read, bytes) || !Arrays.equals(execTail, tail) || !Arrays.equals(localTail, tail)) {
                            throw new IllegalStateException("a read did not give the file's bytes (exit " + out.exitCode() + ", " + out.stderr() + ")");
                        }
                        if (r >= 0) {
                            whole[r] = t1 - t0;
                            exec[r] = t2 - t1;
                            local[r] = t3 - t2;
                        }
                    }
                    System.out.printf("  %5d KiB: fs/readFile whole p50 %6.2f ms  command/exec tail p50 %6.2f ms  direct read p50 %6.3f ms%n",
                            kib, p50(whole), p50(exec), p50(local));
                }
            }
        } finally {
            dev.codexbridge.support.TestDirs.delete(tmp);
        }
    }

    private static byte[] readAt(Path file, long offset) throws java.io.IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate((int) (in.size() - offset));
            while (buffer.hasRemaining() && in.read(buffer, offset + buffer.position()) > 0) {
                // to the end
            }
            return buffer.array();
        }
    }

    private static double p50(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }
}
