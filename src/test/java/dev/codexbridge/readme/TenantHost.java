package dev.codexbridge.readme;

// docs/tenants.md:BEGIN
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.RateLimitGovernor;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.tenant.CodexTenants;
import dev.codexbridge.tenant.TenantCapacityException;
import dev.codexbridge.tenant.TenantHomeSetup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/** A chat host serving many users: one codex home and process per user, a turn per message. */
final class TenantHost implements AutoCloseable {
    private final CodexTenants tenants;

    TenantHost(Path homesRoot, Path workspacesRoot, String configTemplate, Function<String, String> apiKeyOfUser) {
        this.tenants = CodexTenants.builder()
                .homesRoot(homesRoot)                                   // <root>/<user>/codex-home, mode 0700
                .workspacesRoot(workspacesRoot)                         // <workspaces>/<user>, seen by that user's codex only
                .homeSetup(TenantHomeSetup.configToml(configTemplate)    // once per user
                        .andThen(TenantHomeSetup.apiKeyLogin(apiKeyOfUser)))
                .tenantEnvironment(user -> Map.of())                    // nothing of the host's but PATH, locale, TZ
                .rateLimits(user -> RateLimitGovernor.builder().maxAttempts(3).build())
                .maxProcesses(40)
                .maxProcessesPerTenant(2)
                .maxThreadsPerTenant(20)
                .idleTimeout(Duration.ofMinutes(10))
                .build();
    }

    /** One message of a user's conversation: resumes it (restarting the user's codex if it was stopped). */
    String answer(String user, String threadId, String message) {
        // the thread runs in tenants.workspace(user); ThreadOptions.in(a folder inside it) would narrow it
        try (CodexSession session = threadId == null
                ? tenants.newSession(user, b -> b.limits(TurnLimits.of(Duration.ofMinutes(10), Duration.ofMinutes(2))))
                : tenants.resumeSession(user, threadId, b -> b.limits(TurnLimits.of(Duration.ofMinutes(10), Duration.ofMinutes(2))))) {
            return session.threadId() + ": " + session.runTurn(TurnInput.text(message)).finalText();
        } catch (TenantCapacityException busy) {
            return "busy, try again in " + busy.retryAfter().toSeconds() + " s";
        }
    }

    @Override
    public void close() {
        tenants.close();
    }
}
// docs/tenants.md:END
