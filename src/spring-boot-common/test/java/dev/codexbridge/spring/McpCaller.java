package dev.codexbridge.spring;

import dev.codexbridge.mcp.McpHttpServer;
import dev.codexbridge.mcp.OutputSchemaCheck;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/** The MCP Java SDK's client over Streamable HTTP, as the Spring tests call the starter's MCP server. */
final class McpCaller {
    private McpCaller() {
    }

    /** {@code token} null: no Authorization header; {@code elicitation} null: not declared. */
    static McpSyncClient client(URI endpoint, String token, Function<McpSchema.ElicitFormRequest, McpSchema.ElicitResult> elicitation) {
        HttpClientStreamableHttpTransport.Builder t = HttpClientStreamableHttpTransport.builder(endpoint.resolve("/").toString())
                .endpoint(McpHttpServer.PATH).customizeClient(c -> c.connectTimeout(Duration.ofSeconds(10)));
        if (token != null) {
            t.httpRequestCustomizer((builder, method, uri, body, context) -> builder.header("Authorization", "Bearer " + token));
        }
        McpClient.SyncSpec spec = McpClient.sync(t.build()).requestTimeout(Duration.ofSeconds(120))
                .clientInfo(new McpSchema.Implementation("spring-test", "1"))
                // the SDK's default validator needs json-schema-validator 3, which the module leaves out (decisions 0039, 0066)
                .jsonSchemaValidator(new OutputSchemaCheck());
        if (elicitation != null) {
            spec.capabilities(McpSchema.ClientCapabilities.builder().elicitation().build()).elicitation(elicitation);
        }
        McpSyncClient client = spec.build();
        client.initialize();
        return client;
    }

    static McpSchema.CallToolResult call(McpSyncClient client, String tool, Map<String, Object> args) {
        return client.callTool(McpSchema.CallToolRequest.builder().name(tool).arguments(args).build());
    }

    static String text(McpSchema.CallToolResult r) {
        return ((McpSchema.TextContent) r.content().get(0)).text();
    }

    @SuppressWarnings("unchecked")
    static String threadId(McpSchema.CallToolResult r) {
        return (String) ((Map<String, Object>) r.structuredContent()).get("threadId");
    }
}
