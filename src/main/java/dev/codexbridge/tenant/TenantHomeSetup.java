package dev.codexbridge.tenant;

import dev.codexbridge.CodexException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Prepares a tenant's {@code CODEX_HOME} from what the host provides, once per tenant: the first
 * time the tenant gets a session, before its first codex starts. {@link CodexTenants} records
 * success in the tenant's folder, so a host restarted over the same homes root does not prepare a
 * home twice; a setup that throws leaves the home unprepared, and the next session tries again.
 *
 * <p>Setups compose with {@link #andThen}: {@code configToml(template).andThen(apiKeyLogin(keys))},
 * and the host's MCP servers through the migrator ({@code dev.codexbridge.config.MigratingHomeSetup},
 * in the migration artifact).
 */
@FunctionalInterface
public interface TenantHomeSetup {
    /** Writes what the tenant's codex needs into {@link TenantHome#codexHome()}; called once per tenant. */
    void prepare(TenantHome home) throws IOException;

    /** This setup, then {@code next}. */
    default TenantHomeSetup andThen(TenantHomeSetup next) {
        Objects.requireNonNull(next, "next");
        return home -> {
            prepare(home);
            next.prepare(home);
        };
    }

    /** Leaves the home empty: codex's defaults, and credentials only from the tenant's environment. */
    static TenantHomeSetup none() {
        return home -> { };
    }

    /** Writes {@code toml} as the tenant's {@code config.toml} (owner-only). */
    static TenantHomeSetup configToml(String toml) {
        Objects.requireNonNull(toml, "toml");
        return home -> writeOwnerOnly(home.configFile(), toml);
    }

    /** Writes {@code toml.apply(tenantId)} as the tenant's {@code config.toml}: a template per tenant. */
    static TenantHomeSetup configToml(Function<String, String> tomlOfTenant) {
        Objects.requireNonNull(tomlOfTenant, "tomlOfTenant");
        return home -> writeOwnerOnly(home.configFile(), Objects.requireNonNull(tomlOfTenant.apply(home.tenantId()),
                "config.toml of tenant"));
    }

    /** Copies the host's template {@code config.toml} into the tenant's home (owner-only). */
    static TenantHomeSetup configTemplate(Path template) {
        Objects.requireNonNull(template, "template");
        return home -> {
            TenantFolders.refuseLink(home.configFile());
            Files.copy(template, home.configFile(), StandardCopyOption.REPLACE_EXISTING);
            ownerOnly(home.configFile());
        };
    }

    /**
     * Logs the tenant's codex in with an API key, as {@code codex login --with-api-key} does (the key
     * goes on its standard input, never on a command line): codex stores it in the tenant's
     * {@code auth.json}, so the key need not be in the tenant's environment afterwards. A null key
     * skips the login (that tenant authenticates otherwise).
     */
    static TenantHomeSetup apiKeyLogin(Function<String, String> apiKeyOfTenant) {
        Objects.requireNonNull(apiKeyOfTenant, "apiKeyOfTenant");
        return home -> {
            String key = apiKeyOfTenant.apply(home.tenantId());
            if (key != null) {
                runCodex(home, List.of("login", "--with-api-key"), key + "\n");
            }
        };
    }

    /**
     * Runs the tenant's codex binary with {@code arguments} in the tenant's environment, {@code input}
     * on its standard input; throws a {@link CodexException} with its output when it fails or does
     * not end within a minute.
     */
    static void runCodex(TenantHome home, List<String> arguments, String input) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(home.binary().toString());
        command.addAll(arguments);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(home.userHome().toFile());
        pb.environment().clear();
        pb.environment().putAll(home.environment());
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream s = p.getInputStream()) {
            s.transferTo(out);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CodexException("codex " + arguments.get(0) + " for tenant " + home.tenantId() + " did not end within 60 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CodexException("interrupted while codex " + arguments.get(0) + " ran for tenant " + home.tenantId(), e);
        }
        if (p.exitValue() != 0) {
            throw new CodexException("codex " + String.join(" ", arguments) + " for tenant " + home.tenantId() + " exited with "
                    + p.exitValue() + ": " + out.toString(StandardCharsets.UTF_8).strip());
        }
    }

    /** Writes {@code text} to {@code file}, readable and writable by the owner only. */
    static void writeOwnerOnly(Path file, String text) throws IOException {
        TenantFolders.writeNoFollow(file, text);
        ownerOnly(file);
    }

    /** Makes {@code file} readable and writable by its owner only, where the file system has POSIX permissions. */
    static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the folder's own protection is all there is
        }
    }
}
