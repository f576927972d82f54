package dev.codexbridge.support;

import dev.codexbridge.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in this JVM with {@code System.out} and {@code System.err} captured. */
public final class CliRun {
    private CliRun() {
    }

    /** {@code [exit code, stdout, stderr]} of {@code codex-bridge args...}. */
    public static String[] run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    /**
     * Captured stderr without the lines the fuzzing agent writes when a fuzz test ran earlier in
     * the same JVM and a class is loaded for the first time ("INFO: Instrumented …").
     */
    public static String withoutAgentLines(String stderr) {
        return stderr.lines().filter(l -> !l.startsWith("INFO: Instrumented ")).map(l -> l + "\n")
                .collect(java.util.stream.Collectors.joining());
    }
}
