package dev.codexbridge.cli;

import org.eclipse.jetty.server.Server;
import org.slf4j.simple.SimpleLogger;

/**
 * Keeps Jetty's start and stop notices (five INFO lines when {@code a2a} or {@code mcp --http}
 * starts, three when it stops) out of the servers' output: they say nothing the command's own
 * line does not.
 */
final class JettyLogging {
    private JettyLogging() {
    }

    /** Sets slf4j-simple's level for Jetty's loggers to {@code warn}, unless one was set; before the server starts. */
    static void quiet() {
        System.getProperties().putIfAbsent(levelKey(), "warn");
    }

    /**
     * The property slf4j-simple reads for Jetty's loggers, built from the two libraries' own names
     * rather than written as one literal: the runnable jar relocates slf4j and Jetty to packages
     * of their own and rewrites a literal by its first package only, so
     * {@code "org.slf4j.simpleLogger.log.org.eclipse.jetty"} kept naming {@code org.eclipse.jetty}.
     */
    static String levelKey() {
        String server = Server.class.getPackageName();   // org.eclipse.jetty.server, wherever the jar moved it
        return SimpleLogger.LOG_KEY_PREFIX + server.substring(0, server.lastIndexOf('.'));
    }
}
