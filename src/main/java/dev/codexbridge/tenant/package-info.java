/**
 * {@link dev.codexbridge.tenant.CodexTenants}: sessions keyed by tenant, each tenant with an
 * owner-only {@code CODEX_HOME}, a scrubbed environment and codex process(es) of its own, started
 * on demand, stopped when idle, under caps on processes and threads with least-recently-used
 * eviction and an at-once {@link dev.codexbridge.tenant.TenantCapacityException}. Depends on
 * {@code client}, {@code session} and {@code process}; nothing in the core depends on it. The
 * migrator-backed {@link dev.codexbridge.tenant.TenantHomeSetup} lives in {@code dev.codexbridge.config}.
 */
@NullMarked
package dev.codexbridge.tenant;

import org.jspecify.annotations.NullMarked;
