package dev.codexbridge.readme;

// docs/session.md#rate-limits:BEGIN
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.RateLimitGovernor;
import java.nio.file.Path;
import java.time.Duration;

/** The sessions of one account: one governor holds them all back while the account is limited. */
final class OneAccount {
    private final RateLimitGovernor governor = RateLimitGovernor.builder()
            .maxAttempts(3)                      // attempts in all, the first included; 1 = no retry
            .maxWait(Duration.ofMinutes(5))      // cap of each single wait (not of the whole turn)
            .build();

    CodexSession conversation(Path repo) {
        return CodexSession.builder().cwd(repo).rateLimits(governor).build();  // same account: same governor
    }
}
// docs/session.md#rate-limits:END
