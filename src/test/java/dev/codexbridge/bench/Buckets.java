package dev.codexbridge.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The turns of {@link StoredTurnsBench} by the rollout's size after them: each contender's median,
 * what it adds to the first's (the difference of the medians), and the median of its turns'
 * differences from the first's turn of the same round (paired: the same size, the same seconds).
 */
final class Buckets {
    private static final long KIB = 1024;
    private static final long[] LOWER = {0, 300 * KIB, 1024 * KIB, 2560 * KIB, 3072 * KIB};
    private static final String[] NAMES = {"< 300 KiB", "0.3 - 1 MiB", "1 - 2.5 MiB", "2.5 - 3 MiB", "> 3 MiB"};

    private Buckets() {
    }

    static void print(List<String> names, List<long[]> micros, long[] rollout) {
        System.out.printf("  %-12s %6s", "rollout", "turns");
        names.forEach(n -> System.out.printf("  %12s", n + " p50"));
        names.stream().skip(1).forEach(n -> System.out.printf("  %14s", n + " adds"));
        names.stream().skip(1).forEach(n -> System.out.printf("  %16s", n + " paired"));
        System.out.println();
        for (int b = 0; b < LOWER.length; b++) {
            long lower = LOWER[b];
            long upper = b + 1 < LOWER.length ? LOWER[b + 1] : Long.MAX_VALUE;
            List<Integer> turns = new ArrayList<>();
            for (int i = 0; i < rollout.length; i++) {
                if (rollout[i] >= lower && rollout[i] < upper) {
                    turns.add(i);
                }
            }
            if (turns.isEmpty()) {
                continue;
            }
            double[] medians = new double[names.size()];
            System.out.printf("  %-12s %6d", NAMES[b], turns.size());
            for (int c = 0; c < names.size(); c++) {
                long[] values = new long[turns.size()];
                for (int k = 0; k < values.length; k++) {
                    values[k] = micros.get(c)[turns.get(k)];
                }
                Arrays.sort(values);
                medians[c] = values[values.length / 2] / 1000.0;
                System.out.printf("  %9.1f ms", medians[c]);
            }
            for (int c = 1; c < names.size(); c++) {
                System.out.printf("  %+11.1f ms", medians[c] - medians[0]);
            }
            // the median of each turn's difference from the yardstick's turn of the same round (same size, same seconds)
            for (int c = 1; c < names.size(); c++) {
                long[] differences = new long[turns.size()];
                for (int k = 0; k < differences.length; k++) {
                    differences[k] = micros.get(c)[turns.get(k)] - micros.get(0)[turns.get(k)];
                }
                Arrays.sort(differences);
                System.out.printf("  %+13.1f ms", differences[differences.length / 2] / 1000.0);
            }
            System.out.println();
        }
    }
}
