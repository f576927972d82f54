package dev.codexbridge.protocol;

/** Method names of the codex app-server protocol used by codex-bridge, in one place. */
public final class Methods {
    private Methods() {
    }

    // client → server requests
    public static final String INITIALIZE = "initialize";
    public static final String THREAD_START = "thread/start";
    public static final String THREAD_RESUME = "thread/resume";
    public static final String TURN_START = "turn/start";
    public static final String TURN_STEER = "turn/steer";
    public static final String TURN_INTERRUPT = "turn/interrupt";
    public static final String PLUGIN_LIST = "plugin/list";

    // client → server notifications
    public static final String INITIALIZED = "initialized";

    // server → client notifications
    public static final String THREAD_STARTED = "thread/started";
    public static final String TURN_STARTED = "turn/started";
    public static final String TURN_COMPLETED = "turn/completed";
    public static final String ITEM_STARTED = "item/started";
    public static final String ITEM_COMPLETED = "item/completed";
    public static final String AGENT_MESSAGE_DELTA = "item/agentMessage/delta";
    public static final String ERROR = "error";
}
