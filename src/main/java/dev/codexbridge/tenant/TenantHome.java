package dev.codexbridge.tenant;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A tenant's folders and what its codex runs with, as {@link TenantHomeSetup#prepare} gets them.
 *
 * @param tenantId the tenant
 * @param directory the tenant's owner-only folder under the homes root, holding the two below
 * @param codexHome the tenant's {@code CODEX_HOME}: config, credentials, threads, logs
 * @param userHome the {@code HOME} the tenant's codex and its commands get (not the host's)
 * @param binary the codex binary the tenant's processes run (for {@code codex login} and the like)
 * @param environment the whole environment the tenant's codex starts with, {@code CODEX_HOME} and
 *     {@code HOME} included: a setup that runs codex passes exactly this
 */
public record TenantHome(String tenantId, Path directory, Path codexHome, Path userHome, Path binary,
                         Map<String, String> environment) {
    public TenantHome {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(codexHome, "codexHome");
        Objects.requireNonNull(userHome, "userHome");
        Objects.requireNonNull(binary, "binary");
        environment = Map.copyOf(environment);
    }

    /** Names the folders and the environment's variable names only: the values may be the tenant's credentials. */
    @Override
    public String toString() {
        return "TenantHome[tenantId=" + tenantId + ", directory=" + directory + ", codexHome=" + codexHome + ", userHome="
                + userHome + ", binary=" + binary + ", environment=" + new TreeSet<>(environment.keySet()) + "]";
    }

    /** The tenant's {@code config.toml}. */
    public Path configFile() {
        return codexHome.resolve("config.toml");
    }
}
