package dev.codexbridge.tenant;

/**
 * One tenant's share at a moment ({@link CodexTenants#usage()}).
 *
 * @param tenantId the tenant
 * @param processes its running (or starting) codex processes
 * @param threads its open sessions' threads, counting sessions being opened
 */
public record TenantUsage(String tenantId, int processes, int threads) {
}
