package dev.codexbridge.mcp;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.approval.CommandRules;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** docs/mcp.md, "In code" (both examples) and "Sending again", compiled on this module's class path (DocsJavaBlocksTest checks the doc shows it as compiled). */
final class McpDocsExample {
    private McpDocsExample() {
    }

    static McpHttpServer serve(CodexClient codex, Path workspace, Path tokens) throws IOException, InterruptedException {
        // docs/mcp.md:BEGIN
        CodexGateway gateway = CodexGateway.builder().client(codex)
                .configure(b -> b.cwd(workspace))
                .approvals(ApprovalPolicy.builder().commandRules(CommandRules.allowing("ls", "cat")).build())
                .callerApprovals(true)
                .build();
        CodexMcpServer server = CodexMcpServer.builder().sessions(McpSessions.of(gateway)).build();
        server.stdio(System.in, System.out).awaitEnd();                                  // or:
        McpHttpServer http = McpHttpServer.builder(server).port(8931).authenticator(BearerTokens.read(tokens)).start();
        // docs/mcp.md:END
        return http;
    }

    static void serveWhileCodexStarts(Path workspace) throws InterruptedException {
        // docs/mcp.md#starting:BEGIN
        CompletableFuture<McpSessions> up = CompletableFuture.supplyAsync(() -> McpSessions.of(CodexGateway.builder()
                .client(CodexClient.builder().connect()).configure(b -> b.cwd(workspace)).build()));
        CodexMcpServer server = CodexMcpServer.builder().sessions(McpSessions.starting(up, McpSessions.START_WAIT)).build();
        server.stdio(System.in, System.out).awaitEnd();                                  // answers initialize at once
        // docs/mcp.md#starting:END
    }

    static McpSchema.CallToolResult sendOnce(McpSyncClient client, String key) {
        // docs/mcp.md#idempotency-key:BEGIN
        client.callTool(McpSchema.CallToolRequest.builder().name("codex").arguments(Map.of("prompt", "deploy the site"))
                .meta(Map.of("dev.codexbridge/idempotencyKey", key)).build());     // the MCP Java SDK; the TypeScript SDK: _meta
        // docs/mcp.md#idempotency-key:END
        return client.callTool(McpSchema.CallToolRequest.builder().name("codex").arguments(Map.of("prompt", "deploy the site"))
                .meta(Map.of(KeyedCalls.META_KEY, key)).build());
    }
}
