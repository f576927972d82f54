package dev.codexbridge.bench;

import dev.codexbridge.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * What moving the wire mapper from Jackson 2 to Jackson 3 would change (decision 0031): the lines of
 * {@link ProjectionBench}'s large turn, each read into a tree and written back to bytes, once by the
 * library's Jackson 2 mapper and once by a Jackson 3 {@code JsonMapper}; median lines/s and MB/s of
 * several runs. Then the cold cost: a fresh JVM per run that loads one Jackson and reads and writes
 * its first line (median of 5 JVMs each). Run with {@code bin/bench jackson-lines [lines] [runs]}.
 */
public final class JacksonLinesBench {
    private JacksonLinesBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("cold")) {
            cold(args[1]);
            return;
        }
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        List<byte[]> lines = lines(count);
        long bytes = lines.stream().mapToLong(l -> l.length).sum();
        System.out.printf("%d lines, %.1f MB%n", lines.size(), bytes / 1e6);
        com.fasterxml.jackson.databind.ObjectMapper two = Json.mapper();
        tools.jackson.databind.json.JsonMapper three = tools.jackson.databind.json.JsonMapper.builder().build();
        for (int round = 0; round < 2; round++) { // interleaved, so neither gets the warmer machine
            measure("jackson 2 " + com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION, lines, bytes, runs, line -> {
                try {
                    return two.writeValueAsBytes(two.readTree(line)).length;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            measure("jackson 3 " + tools.jackson.databind.cfg.PackageVersion.VERSION, lines, bytes, runs,
                    line -> three.writeValueAsBytes(three.readTree(line)).length);
        }
        for (String which : List.of("2", "3")) {
            long[] ms = new long[5];
            for (int i = 0; i < ms.length; i++) {
                ms[i] = coldRun(which);
            }
            Arrays.sort(ms);
            System.out.printf("cold jackson %s: JVM start to first line read and written, median %d ms (min %d, max %d, %d JVMs)%n",
                    which, ms[ms.length / 2], ms[0], ms[ms.length - 1], ms.length);
        }
    }

    private static List<byte[]> lines(int count) {
        List<byte[]> lines = new ArrayList<>(count);
        for (String[] n : ProjectionBench.generate(count, new Random(42))) {
            lines.add(("{\"method\":\"" + n[0] + "\",\"params\":" + n[1] + "}").getBytes(StandardCharsets.UTF_8));
        }
        return lines;
    }

    private static void measure(String label, List<byte[]> lines, long bytes, int runs, ToIntFunction<byte[]> roundTrip) {
        double[] rates = new double[runs];
        long written = 0;
        for (int warm = 0; warm < 3; warm++) {
            written = all(lines, roundTrip);
        }
        for (int r = 0; r < runs; r++) {
            long start = System.nanoTime();
            written = all(lines, roundTrip);
            rates[r] = lines.size() / ((System.nanoTime() - start) / 1e9);
        }
        Arrays.sort(rates);
        double median = rates[runs / 2];
        System.out.printf("%s: read+write median %.0f lines/s, %.0f MB/s (min %.0f, max %.0f lines/s, %d runs; %d bytes out)%n",
                label, median, median * bytes / lines.size() / 1e6, rates[0], rates[runs - 1], runs, written);
    }

    private static long all(List<byte[]> lines, ToIntFunction<byte[]> roundTrip) {
        long n = 0;
        for (byte[] line : lines) {
            n += roundTrip.applyAsInt(line);
        }
        return n;
    }

    private static long coldRun(String which) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), JacksonLinesBench.class.getName(), "cold", which)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("cold run failed: " + out);
        }
        return Long.parseLong(out);
    }

    /** In a fresh JVM: milliseconds from the JVM's start to one line read and written by Jackson {@code which}. */
    private static void cold(String which) {
        byte[] line = "{\"method\":\"item/completed\",\"params\":{\"threadId\":\"t\",\"turnId\":\"u\",\"item\":{\"type\":\"agentMessage\",\"id\":\"m\",\"text\":\"hi\"}}}"
                .getBytes(StandardCharsets.UTF_8);
        Function<byte[], Integer> roundTrip;
        if (which.equals("2")) {
            com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
            roundTrip = l -> {
                try {
                    return m.writeValueAsBytes(m.readTree(l)).length;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            };
        } else {
            tools.jackson.databind.json.JsonMapper m = tools.jackson.databind.json.JsonMapper.builder().build();
            roundTrip = l -> m.writeValueAsBytes(m.readTree(l)).length;
        }
        if (roundTrip.apply(line) != line.length) {
            throw new IllegalStateException("round trip changed the line");
        }
        long uptime = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
        System.out.println(uptime);
    }
}
