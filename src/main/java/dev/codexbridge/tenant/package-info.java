/**
 * {@link dev.codexbridge.tenant.CodexTenants}: sessions keyed by tenant, each tenant with an
 * owner-only {@code CODEX_HOME}, a scrubbed environment and codex process(es) of its own, started
 * on demand, stopped when idle, under caps on processes and threads with least-recently-used
 * eviction and an at-once {@link dev.codexbridge.tenant.TenantCapacityException}. Depends on
 * {@code client}, {@code session} and {@code process}; nothing in the core depends on it. The
 * migrator-backed {@link dev.codexbridge.tenant.TenantHomeSetup} lives in {@code dev.codexbridge.config}.
 *
 * <p>Its rooms, one sentence each: {@code CodexTenants} is the public face and its builder;
 * {@code TenantSettings} holds the builder's choices, checked; {@code TenantLifecycle} creates
 * tenants, places and starts their sessions, re-places a session whose process stopped, sweeps
 * idle processes and closes; {@code TenantTable} (with {@code TenantState}, {@code TenantProcess})
 * keeps the caps, placements and evictions under one lock; {@code TenantLauncher} starts a tenant's
 * codex; {@code TenantSessionSetup} is what a tenant's session is configured with; the homes
 * ({@code TenantHomes}, {@code TenantHome}, {@code TenantFolders}, {@code TenantPaths},
 * {@code TenantTemplate}) are a tenant's folders and config; {@code TenantIsolation} is the mount
 * namespace that keeps a tenant's commands out of the others' folders.
 */
@NullMarked
package dev.codexbridge.tenant;

import org.jspecify.annotations.NullMarked;
