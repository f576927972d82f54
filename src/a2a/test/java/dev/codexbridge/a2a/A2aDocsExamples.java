package dev.codexbridge.a2a;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.callers.BearerTokens;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.gateway.CodexGateway;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.store.postgresql.PostgresConversationStore;
import java.io.IOException;
import java.nio.file.Path;
import javax.sql.DataSource;

/**
 * docs/a2a.md's samples, compiled on this module's class path (DocsJavaBlocksTest checks the doc
 * shows them as compiled): the server in a JVM of the host's own, its contexts kept on disk, and
 * a replica of an agent served by several.
 */
final class A2aDocsExamples {
    private A2aDocsExamples() {
    }

    static void serve(Path workspace) throws IOException {
        // docs/a2a.md#in-a-jvm:BEGIN
        try (CodexClient codex = CodexClient.builder().connect();
             A2aServer server = A2aServer.builder().host("127.0.0.1").port(8080)
                     .tokens(BearerTokens.read(Path.of("tokens.txt")))
                     .sessions((principal, contextId, approvals) -> CodexSession.builder().client(codex)
                             .cwd(workspace).approvals(ApprovalPolicy.builder().handler(approvals).build()).build())
                     .limits(A2aLimits.DEFAULTS)
                     .start()) {
            // … the host serves A2A at server.uri() until it stops
        }
        // docs/a2a.md#in-a-jvm:END
    }

    static A2aServer contextsOnDisk(CodexClient codex, Path workspace) {
        // docs/a2a.md#contexts:BEGIN
        A2aServer server = A2aServer.builder()
                .contexts(ContextStore.files(Path.of("/var/lib/my-host/a2a-contexts"), 10_000))   // default: ContextStore.inMemory(10_000)
                .sessions(SessionSource.of(CodexGateway.builder().client(codex).configure(b -> b.cwd(workspace)).build()))
                // … tokens, limits as above
                .start();
        // docs/a2a.md#contexts:END
        return server;
    }

    static A2aServer replica(CodexClient codex, DataSource dataSource, Path workspace) throws IOException {
        // docs/a2a.md#replicas:BEGIN
        String replica = System.getenv("HOSTNAME");                                   // each replica a name of its own
        PostgresConversationStore conversations = PostgresConversationStore.builder().dataSource(dataSource).build();
        A2aServer server = A2aServer.builder()
                // contexts, tasks, push configs: shared; beside the conversation store (one outage gate, one session: decision 0138)
                .contexts(ContextStore.postgres(dataSource, replica, 10_000, conversations))
                .pushSecretKeys(SealingKeys.read(Path.of("/run/secrets/a2a-push-keys")))  // push configs sealed at rest
                .gateway(CodexGateway.builder().client(codex)
                        .storage(ConversationStorage.builder(conversations, replica).build())   // conversations: shared
                        .configure(b -> b.cwd(workspace)).build())
                // … tokens, limits as above
                .start();
        // docs/a2a.md#replicas:END
        return server;
    }
}
