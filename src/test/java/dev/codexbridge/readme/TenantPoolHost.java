package dev.codexbridge.readme;

// docs/deploy/README.md#tenants:BEGIN
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.transport.CodexEndpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The host's side of docs/deploy/codex-tenant.yaml: each tenant's app-server runs in its own pod,
 * and {@code CodexTenants.remote} chooses the endpoint by tenant — a connection to the tenant's
 * pod, opened on the tenant's first session and closed when idle, under the same caps as local
 * tenant processes. No connection ever reaches two tenants' app-servers.
 */
public final class TenantPoolHost implements AutoCloseable {
    private final CodexTenants tenants;

    /** tokenFile: the codex-app-server-auth Secret's token, mounted into the host's pod. */
    public TenantPoolHost(String namespace, Path tokenFile) {
        this.tenants = CodexTenants.builder()
                .remote(tenantId -> CodexEndpoint.parse(url(namespace, dnsLabel(tenantId)))
                        .tokenFile(tokenFile)
                        .allowPlaintextRemote(true))          // in-cluster ws:// behind the NetworkPolicy
                .maxProcesses(200)                            // connections open at once, all tenants
                .maxThreadsPerProcess(500)                    // section 8 of performance.md
                .idleTimeout(Duration.ofMinutes(10))          // then the connection closes; the pod runs on
                .build();
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
        return tenants.newSession(tenantId, s -> s.cwd(workspace));
    }

    /** A conversation of the tenant again, by the thread id the host stored with it. */
    public CodexSession resume(String tenantId, String threadId, Path workspace) {
        return tenants.resumeSession(tenantId, threadId, s -> s.cwd(workspace));
    }

    @Override
    public void close() {
        tenants.close();
    }
}
// docs/deploy/README.md#tenants:END
