package dev.codexbridge.a2a;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The agent card (A2A 0.3): one skill, JSON-RPC with streaming, bearer tokens. */
final class AgentCard {
    static final String PROTOCOL_VERSION = "0.3.0";

    private AgentCard() {
    }

    static ObjectNode of(String name, String description, String url, String version, boolean anonymous) {
        ObjectNode c = A2aWire.object().put("protocolVersion", PROTOCOL_VERSION).put("name", name).put("description", description)
                .put("url", url).put("preferredTransport", "JSONRPC").put("version", version);
        c.putArray("additionalInterfaces").addObject().put("url", url).put("transport", "JSONRPC");
        c.putObject("capabilities").put("streaming", true).put("pushNotifications", false).put("stateTransitionHistory", false);
        c.putArray("defaultInputModes").add("text/plain").add("application/json");
        c.putArray("defaultOutputModes").add("text/plain").add("application/json");
        ObjectNode skill = c.putArray("skills").addObject().put("id", "codex").put("name", "Coding in a workspace")
                .put("description", "Reads and edits files and runs commands in its workspace; asks before anything its approval "
                        + "policy does not allow (the task turns input-required).");
        skill.putArray("tags").add("coding").add("shell").add("files");
        skill.putArray("examples").add("Add a unit test for the parser and run it.").add("Why does the build fail?");
        c.putObject("securitySchemes").putObject("bearer").put("type", "http").put("scheme", "bearer")
                .put("description", "A token given by the server's operator; each token is one principal.");
        ArrayNode security = c.putArray("security");
        security.addObject().putArray("bearer");
        if (anonymous) {
            // an empty requirement: callers without a token are served too
            security.addObject();
        }
        c.put("supportsAuthenticatedExtendedCard", false);
        return c;
    }
}
