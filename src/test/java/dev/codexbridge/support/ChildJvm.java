package dev.codexbridge.support;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The command that starts a JVM of a test's own (a fake codex, a store's second process, the CLI):
 * this JVM's {@code java} with the JIT and collector flags this JVM runs with ({@code
 * codexbridge.testJvm}, decision 0059). Such a JVM lives for seconds, starting things, as the
 * test JVM does; C2's compiler threads would cost it more CPU than they give back. Where the
 * test JVM runs with the JVM's defaults (the second JDK's pass), so do its children.
 */
public final class ChildJvm {
    /** The flags passed on; any other of this JVM's arguments (agents, debug ports) is not. */
    private static final Set<String> PASSED_ON = Set.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private ChildJvm() {
    }

    /** {@code java} and the flags, to add the child's own arguments to. */
    public static List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(flags());
        return command;
    }

    /** The same as one line for a shell script (neither the path nor the flags need quoting). */
    public static String shellCommand() {
        return String.join(" ", command());
    }

    /** The flags of this JVM's own that a child gets too. */
    public static List<String> flags() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(PASSED_ON::contains).toList();
    }
}
