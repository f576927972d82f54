package dev.codexbridge.spring;

/**
 * A door on a listener of its own (A2A, MCP): the interface it listens on, besides who may call it.
 * The port is each door's own, as its default differs. The OpenAI door is served by the
 * application's own web server instead.
 */
public abstract class ListenerProperties extends CallerProperties {
    /** The interface to listen on. */
    private String host = "127.0.0.1";

    public String getHost() {
        return host;
    }

    public void setHost(String host) {
        this.host = host;
    }
}
