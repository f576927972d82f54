package dev.codexbridge.a2a;

import dev.codexbridge.callers.Authenticator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/**
 * The agent card, negotiated by the request's {@code A2A-Version} header as A2A's own SDKs do:
 * {@code 1.0} gets 1.0's card (ProtoJSON: {@code supportedInterfaces}, {@code securityRequirements});
 * no header (or {@code 0.3}) gets 0.3's card, with {@code supportedInterfaces} beside {@code url} so
 * a 1.0 client reading it still finds the 1.0 interfaces. Both list every interface: JSON-RPC 1.0
 * and 0.3 at the server's address, HTTP+JSON 1.0 there too (named without a trailing slash, as its
 * paths are appended to it).
 */
final class AgentCard {
    static final String PROTOCOL_VERSION = "0.3.0";

    /** What the card says. */
    record Facts(String name, String description, String url, String version, boolean anonymous, boolean push, Authenticator auth) {
    }

    private AgentCard() {
    }

    static ObjectNode forVersion(@Nullable A2aVersion v, Facts f) {
        return v == A2aVersion.V1_0 ? v1(f) : v03(f);
    }

    static ObjectNode v03(Facts f) {
        ObjectNode c = A2aWire.object().put("protocolVersion", PROTOCOL_VERSION).put("name", f.name()).put("description", f.description())
                .put("url", f.url()).put("preferredTransport", "JSONRPC").put("version", f.version());
        c.putArray("additionalInterfaces").addObject().put("url", f.url()).put("transport", "JSONRPC");
        c.putObject("capabilities").put("streaming", true).put("pushNotifications", f.push()).put("stateTransitionHistory", false);
        common(c, f);
        ObjectNode bearer = c.putObject("securitySchemes").putObject("bearer").put("type", "http").put("scheme", "bearer")
                .put("description", f.auth().description());
        if (f.auth().bearerFormat() != null) {
            bearer.put("bearerFormat", f.auth().bearerFormat());
        }
        ArrayNode security = c.putArray("security");
        security.addObject().putArray("bearer");
        if (f.anonymous()) {
            // an empty requirement: callers without a token are served too
            security.addObject();
        }
        c.put("supportsAuthenticatedExtendedCard", false);
        c.set("supportedInterfaces", interfaces(f.url()));
        return c;
    }

    static ObjectNode v1(Facts f) {
        ObjectNode c = A2aWire.object().put("name", f.name()).put("description", f.description());
        c.set("supportedInterfaces", interfaces(f.url()));
        c.put("version", f.version());
        c.putObject("capabilities").put("streaming", true).put("pushNotifications", f.push()).put("extendedAgentCard", false);
        ObjectNode http = c.putObject("securitySchemes").putObject("bearer").putObject("httpAuthSecurityScheme")
                .put("scheme", "Bearer").put("description", f.auth().description());
        if (f.auth().bearerFormat() != null) {
            http.put("bearerFormat", f.auth().bearerFormat());
        }
        ArrayNode security = c.putArray("securityRequirements");
        security.addObject().putObject("schemes").putObject("bearer").putArray("list");
        if (f.anonymous()) {
            security.addObject().putObject("schemes");
        }
        common(c, f);
        return c;
    }

    private static ArrayNode interfaces(String url) {
        ArrayNode a = A2aWire.JSON.createArrayNode();
        a.addObject().put("url", url).put("protocolBinding", "JSONRPC").put("protocolVersion", "1.0");
        // HTTP+JSON's paths are appended to its url (url + "/message:send"): without a trailing slash there, no empty segment
        a.addObject().put("url", withoutTrailingSlash(url)).put("protocolBinding", "HTTP+JSON").put("protocolVersion", "1.0");
        a.addObject().put("url", url).put("protocolBinding", "JSONRPC").put("protocolVersion", "0.3");
        return a;
    }

    static String withoutTrailingSlash(String url) {
        String u = url;
        while (u.endsWith("/") && !u.endsWith("://")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }

    private static void common(ObjectNode c, Facts f) {
        c.putArray("defaultInputModes").add("text/plain").add("application/json");
        c.putArray("defaultOutputModes").add("text/plain").add("application/json");
        ObjectNode skill = c.putArray("skills").addObject().put("id", "codex").put("name", "Coding in a workspace")
                .put("description", "Reads and edits files and runs commands in its workspace; asks before anything its approval "
                        + "policy does not allow (the task turns input-required).");
        skill.putArray("tags").add("coding").add("shell").add("files");
        skill.putArray("examples").add("Add a unit test for the parser and run it.").add("Why does the build fail?");
    }
}
