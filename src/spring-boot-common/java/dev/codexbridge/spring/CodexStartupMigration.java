package dev.codexbridge.spring;

/**
 * What the migration at start-up did ({@code codex-bridge.migration.enabled=true}): the
 * migrator's one-line outcome and summary. A bean, so the application can show or log it; the
 * client is created only after it.
 *
 * @param outcome   the migrator's word for the result (migrated, unchanged, dry run, ...)
 * @param summary   per server what was migrated, kept or skipped and why
 * @param hasErrors whether a server could not be migrated
 */
public record CodexStartupMigration(String outcome, String summary, boolean hasErrors) {
}
