package dev.codexbridge.testkit;

/** Starts a scripted model server, never closes it, and returns from main: the JVM must still exit. */
public final class ModelServerLeftOpenMain {
    private ModelServerLeftOpenMain() {
    }

    public static void main(String[] args) {
        ScriptedModelServer server = ScriptedModelServer.start(Integer.parseInt(args[0]));
        System.out.println(server.baseUrl());
    }
}
