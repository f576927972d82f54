package dev.codexbridge.readme;

// docs/deploy/README.md#tenants:BEGIN
import dev.codexbridge.pool.CodexPool;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.transport.CodexEndpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host's side of docs/deploy/codex-tenant.yaml: each tenant's app-server runs in its own pod,
 * so the host chooses the endpoint by tenant — one single-endpoint pool per tenant, built on the
 * tenant's first session. No pool ever holds two tenants' app-servers, so no tenant's session can
 * land on another tenant's codex.
 */
public final class TenantPoolHost implements AutoCloseable {
    private final String namespace;
    private final Path tokenFile;
    private final Map<String, CodexPool> pools = new ConcurrentHashMap<>();

    /** tokenFile: the codex-app-server-auth Secret's token, mounted into the host's pod. */
    public TenantPoolHost(String namespace, Path tokenFile) {
        this.namespace = namespace;
        this.tokenFile = tokenFile;
    }

    /**
     * The DNS label that names a tenant's objects ("acme" in the manifest): any tenant id
     * (an e-mail, an organisation id) becomes 20 hex digits of its SHA-256, stable and valid in
     * a pod's name.
     */
    public static String dnsLabel(String tenantId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(tenantId.getBytes(StandardCharsets.UTF_8));
            return "t" + HexFormat.of().formatHex(digest).substring(0, 20);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** ws://codex-tenant-LABEL-0.codex-tenant-LABEL.NAMESPACE.svc.cluster.local:4500 */
    public static String url(String namespace, String label) {
        String set = "codex-tenant-" + label;
        return "ws://" + set + "-0." + set + "." + namespace + ".svc.cluster.local:4500";
    }

    /** A new conversation of the tenant, on the tenant's own app-server. */
    public CodexSession newSession(String tenantId, Path workspace) {
        return pool(tenantId).newSession(s -> s.thread(ThreadOptions.in(workspace)));
    }

    /** A conversation of the tenant again, by the thread id the host stored with it. */
    public CodexSession resume(String tenantId, String threadId, Path workspace) {
        return pool(tenantId).resumeSession(threadId, s -> s.thread(ThreadOptions.in(workspace)));
    }

    /** When the host scales an idle tenant to zero it drops the tenant's pool too. */
    public void evicted(String tenantId) {
        CodexPool pool = pools.remove(tenantId);
        if (pool != null) {
            pool.close();
        }
    }

    private CodexPool pool(String tenantId) {
        return pools.computeIfAbsent(tenantId, id -> CodexPool.builder()
                .maxThreadsPerEndpoint(500)                   // section 8 of performance.md
                .sharedCodexHome(false)                       // the tenant's volume is the pod's own
                .healthInterval(Duration.ofSeconds(5))
                .endpoint(dnsLabel(id), CodexEndpoint.parse(url(namespace, dnsLabel(id)))
                        .tokenFile(tokenFile)
                        .allowPlaintextRemote(true))          // in-cluster ws:// behind the NetworkPolicy
                .build());
    }

    @Override
    public void close() {
        pools.values().forEach(CodexPool::close);
        pools.clear();
    }
}
// docs/deploy/README.md#tenants:END
