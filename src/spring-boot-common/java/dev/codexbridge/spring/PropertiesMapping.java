package dev.codexbridge.spring;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.client.ReconnectPolicy;
import dev.codexbridge.process.AppServerRecycle;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.process.EnvironmentPolicy;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ConversationStorage;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.transport.CodexEndpoint;
import dev.codexbridge.transport.WebSocketAuth;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns the properties into the library's builders, after checking they make sense together. */
final class PropertiesMapping {
    private PropertiesMapping() {
    }

    /** Every combination that cannot work, all named at once so a user fixes them in one go. */
    static void validate(CodexBridgeProperties p) {
        List<String> problems = new ArrayList<>();
        boolean pool = !p.getPool().getEndpoints().isEmpty();
        boolean remote = p.getEndpoint().isSet();
        if (pool && remote) {
            problems.add("codex-bridge.endpoint.* and codex-bridge.pool.endpoints.* are both set: use endpoint.url for one "
                    + "app-server, pool.endpoints.<name>.url for several");
        }
        if ((pool || remote) && p.getProcess().isSet()) {
            problems.add("codex-bridge.process.* is set together with a remote " + (pool ? "pool" : "endpoint")
                    + ": process.* describes a codex the application starts itself; remove one of them");
        }
        if (remote) {
            endpointProblems("codex-bridge.endpoint", p.getEndpoint(), problems);
            if (p.getEndpoint().getMaxThreads() != null) {
                problems.add("codex-bridge.endpoint.max-threads applies to pool endpoints only; use codex-bridge.max-threads-per-connection");
            }
        }
        p.getPool().getEndpoints().forEach((name, e) -> endpointProblems("codex-bridge.pool.endpoints." + name, e, problems));
        Path binary = p.getProcess().getBinary();
        if (binary != null && !Files.isExecutable(binary)) {
            problems.add("codex-bridge.process.binary: " + binary + (Files.exists(binary) ? " is not executable" : " does not exist")
                    + " (leave it unset to locate codex: CODEX_BIN, -Dcodexbridge.codexDir, .codex-cli/, the codex-bridge-codex artifact, PATH)");
        }
        if (p.getMaxThreadsPerConnection() < 1) {
            problems.add("codex-bridge.max-threads-per-connection must be at least 1 (is " + p.getMaxThreadsPerConnection() + ")");
        }
        if (p.getConversationsRemembered() < 1) {
            problems.add("codex-bridge.conversations-remembered must be at least 1 (is " + p.getConversationsRemembered() + ")");
        }
        if (!positive(p.getRequestTimeout())) {
            problems.add("codex-bridge.request-timeout must be positive");
        }
        ReconnectProperties r = p.getReconnect();
        if (r.isEnabled()) {
            try {
                reconnect(r);
            } catch (IllegalArgumentException | NullPointerException e) {
                problems.add("codex-bridge.reconnect.*: " + e.getMessage());
            }
        }
        if (pool && !r.isEnabled()) {
            problems.add("codex-bridge.reconnect.enabled=false does not apply to a pool: the pool reconnects its endpoints itself");
        }
        MigrationProperties m = p.getMigration();
        if (m.isEnabled()) {
            if (m.getHostConfig() == null) {
                problems.add("codex-bridge.migration.enabled=true needs codex-bridge.migration.host-config (the application's MCP config file)");
            }
            if (pool || remote) {
                problems.add("codex-bridge.migration.enabled=true needs a codex the application starts itself: a remote app-server "
                        + "reads its own CODEX_HOME (migrate there with `codex-bridge migrate`)");
            }
        }
        try {
            threadOptions(p.getSession());
        } catch (RuntimeException e) {
            problems.add("codex-bridge.session.*: " + e.getMessage());
        }
        if (!positive(p.getSession().getTurnTimeout()) || p.getSession().getIdleTimeout() == null
                || p.getSession().getIdleTimeout().isNegative()) {
            problems.add("codex-bridge.session.turn-timeout must be positive and idle-timeout not negative");
        }
        try {
            hibernateAfter(p.getSession());
        } catch (CodexPropertiesException e) {
            problems.add(e.getMessage());
        }
        if (p.getShutdown().getAwaitTurns() == null || p.getShutdown().getAwaitTurns().isNegative()) {
            problems.add("codex-bridge.shutdown.await-turns must not be negative");
        }
        if (p.getShutdown().getAwaitStore() == null || p.getShutdown().getAwaitStore().isNegative()) {
            problems.add("codex-bridge.shutdown.await-store must not be negative");
        }
        storeProblems(p.getStore(), problems);
        fail(problems);
    }

    /** The {@code codex-bridge.store.*} problems alone: checked before the store opens, whoever makes the codex beans. */
    static void validateStore(CodexBridgeProperties p) {
        List<String> problems = new ArrayList<>();
        storeProblems(p.getStore(), problems);
        fail(problems);
    }

    private static void fail(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new CodexPropertiesException("Invalid codex-bridge properties:\n  - " + String.join("\n  - ", problems)
                    + "\n(docs/spring-boot.md lists every property)");
        }
    }

    /** A store's settings that name another store than {@code type}, or lack what it needs. */
    private static void storeProblems(StoreProperties s, List<String> problems) {
        StoreProperties.Type type = s.getType() == null ? StoreProperties.Type.NONE : s.getType();
        String named = "codex-bridge.store.type is " + type.name().toLowerCase(Locale.ROOT);
        boolean disk = s.getDisk().getPath() != null;
        StoreProperties.Postgresql pg = s.getPostgresql();
        if (disk && type != StoreProperties.Type.DISK) {
            problems.add("codex-bridge.store.disk.path is set but " + named + ": set codex-bridge.store.type=disk, or remove disk.path");
        }
        if (pg.isSet() && type != StoreProperties.Type.POSTGRESQL) {
            problems.add("codex-bridge.store.postgresql.* is set but " + named + ": set codex-bridge.store.type=postgresql, or remove "
                    + "postgresql.*");
        }
        if (type == StoreProperties.Type.DISK && !disk) {
            problems.add("codex-bridge.store.type=disk needs codex-bridge.store.disk.path (the store's folder)");
        }
        if (type == StoreProperties.Type.POSTGRESQL) {
            if (pg.getUrl() == null && (pg.getUsername() != null || pg.getPassword() != null)) {
                problems.add("codex-bridge.store.postgresql.username and .password go with codex-bridge.store.postgresql.url; without a url "
                        + "the store uses the application's DataSource bean, with its own credentials");
            }
            if (pg.getUrl() != null && !pg.isRequireDataSourceTimeouts()) {
                problems.add("codex-bridge.store.postgresql.require-data-source-timeouts is about the application's DataSource; with "
                        + "codex-bridge.store.postgresql.url the store's own pool waits the lease time: remove it");
            }
            if (pg.getUrl() != null && !pg.getUrl().strip().startsWith("jdbc:postgresql:")) {
                // the url itself is not repeated: it may carry a password
                problems.add("codex-bridge.store.postgresql.url must be a PostgreSQL JDBC URL: jdbc:postgresql://HOST:PORT/DATABASE");
            }
        }
        if (s.getHolder() != null && s.getHolder().isBlank()) {
            problems.add("codex-bridge.store.holder must not be blank (unset: the host's name and a random suffix)");
        }
        Duration lease = s.getLeaseTime();
        if (lease == null || lease.compareTo(ConversationStorage.MIN_OWN_CODEX_LEASE) < 0) {
            problems.add("codex-bridge.store.lease-time must be at least " + ConversationStorage.MIN_OWN_CODEX_LEASE.toSeconds() + "s (is "
                    + (lease == null ? "unset" : lease.toSeconds() + "s") + "): a dead host's lease must outlast its codex");
        }
        StoreProperties.Retention r = s.getRetention();
        if (r.getKeepFor() != null && !positive(r.getKeepFor())) {
            problems.add("codex-bridge.store.retention.keep-for must be positive (unset: conversations are kept)");
        }
        if (r.getKeepFor() == null && !r.getTenants().isEmpty()) {
            problems.add("codex-bridge.store.retention.tenants needs codex-bridge.store.retention.keep-for, the bound of the other tenants "
                    + "(a long one keeps them)");
        }
        r.getTenants().forEach((tenant, d) -> {
            if (!positive(d)) {
                problems.add("codex-bridge.store.retention.tenants." + tenant + " must be positive");
            }
        });
        if (r.getSweepEvery() != null && !positive(r.getSweepEvery())) {
            problems.add("codex-bridge.store.retention.sweep-every must be positive");
        }
        if (s.getKeepSleptCopy() == null || s.getKeepSleptCopy().isNegative()) {
            problems.add("codex-bridge.store.keep-slept-copy must be 0s or more (0s: codex's copy goes as the conversation sleeps)");
        }
    }

    private static void endpointProblems(String prefix, EndpointProperties e, List<String> problems) {
        if (e.getUrl() == null || e.getUrl().isBlank()) {
            problems.add(prefix + ".url is missing (ws://IP:PORT, wss://HOST/path or unix://PATH)");
            return;
        }
        EndpointProperties.Jwt jwt = e.getJwt();
        if (e.getTokenFile() != null && jwt.isSet()) {
            problems.add(prefix + ".token-file and " + prefix + ".jwt.* are both set: an app-server takes one --ws-auth mode");
        }
        if (jwt.isSet() && (jwt.getSecretFile() == null || jwt.getIssuer() == null || jwt.getAudience() == null)) {
            problems.add(prefix + ".jwt needs secret-file, issuer and audience together");
        }
        if (e.getMaxThreads() != null && e.getMaxThreads() < 1) {
            problems.add(prefix + ".max-threads must be at least 1");
        }
        try {
            CodexEndpoint endpoint = endpoint(e);
            if ("ws".equals(endpoint.uri().getScheme()) && !e.isAllowPlaintextRemote() && !loopback(endpoint.uri().getHost())) {
                problems.add(prefix + ".url: " + e.getUrl() + " is plain ws:// to a host that is not loopback: the token and every "
                        + "message would cross the network unencrypted; use wss:// or a tunnel, or set "
                        + prefix + ".allow-plaintext-remote=true on a private network");
            }
        } catch (RuntimeException ex) {
            problems.add(prefix + ".url: " + ex.getMessage());
        }
    }

    /** Whether every address of {@code host} is loopback (unresolvable: not, so the check stays on). */
    private static boolean loopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static CodexEndpoint endpoint(EndpointProperties e) {
        CodexEndpoint endpoint = CodexEndpoint.parse(e.getUrl().strip()).allowPlaintextRemote(e.isAllowPlaintextRemote());
        if (e.getTokenFile() != null) {
            endpoint = endpoint.tokenFile(e.getTokenFile());
        } else if (e.getJwt().getSecretFile() != null) {
            endpoint = endpoint.auth(WebSocketAuth.signedBearer().sharedSecretFile(e.getJwt().getSecretFile())
                    .issuer(e.getJwt().getIssuer()).audience(e.getJwt().getAudience()).build());
        }
        if (e.getConnectTimeout() != null) {
            endpoint = endpoint.connectTimeout(e.getConnectTimeout());
        }
        if (e.getKeepAlive() != null) {
            endpoint = endpoint.keepAlive(e.getKeepAlive());
        }
        if (e.getKeepAliveTimeout() != null) {
            endpoint = endpoint.keepAliveTimeout(e.getKeepAliveTimeout());
        }
        return endpoint;
    }

    static CodexLaunch launch(ProcessProperties p) {
        CodexLaunch.Builder b = p.getBinary() != null ? CodexLaunch.appServer(p.getBinary()) : CodexLaunch.appServer();
        if (p.getCodexHome() != null) {
            b.codexHome(p.getCodexHome());
        }
        if (p.getWorkingDirectory() != null) {
            b.workingDirectory(p.getWorkingDirectory());
        }
        EnvironmentPolicy policy = p.isInheritAllEnvironment() ? EnvironmentPolicy.inheritAll() : EnvironmentPolicy.withholdSecrets();
        b.environmentPolicy(policy.allow(p.getAllowEnvironment()));
        b.environment(p.getEnvironment());
        for (Map.Entry<String, String> o : p.getConfigOverrides().entrySet()) {
            b.configOverride(o.getKey(), o.getValue());
        }
        b.recycle(recycle(p));
        return b.build();
    }

    /** {@code codex-bridge.process.recycle-*}: refused with the properties' names when negative (or a hold not positive). */
    static AppServerRecycle recycle(ProcessProperties p) {
        try {
            return AppServerRecycle.afterConversations(p.getRecycleAfter()).orAboveGrowthMiB(p.getRecycleAboveMib())
                    .holdingUpTo(p.getRecycleHold());
        } catch (IllegalArgumentException | NullPointerException | ArithmeticException e) {
            throw new CodexPropertiesException("codex-bridge.process.recycle-after, recycle-above-mib and recycle-hold: " + e.getMessage());
        }
    }

    static ReconnectPolicy reconnect(ReconnectProperties r) {
        return new ReconnectPolicy(r.getMaxAttempts(), r.getInitialDelay(), r.getMaxDelay(), r.getConcurrentResumes())
                .withReattachWindow(r.getReattachWindow());
    }

    /** The client settings shared by a single client and each connection of a pool. */
    static void clientSettings(CodexClient.Builder b, CodexBridgeProperties p) {
        b.maxThreads(p.getMaxThreadsPerConnection()).requestTimeout(p.getRequestTimeout()).experimentalApi(p.isExperimentalApi());
        if (p.getReconnect().isEnabled()) {
            b.reconnect(reconnect(p.getReconnect()));
        }
    }

    static ThreadOptions threadOptions(SessionProperties s) {
        ThreadOptions.Builder b = ThreadOptions.builder();
        if (s.getCwd() != null) {
            b.cwd(s.getCwd());
        }
        if (s.getModel() != null) {
            b.model(s.getModel());
        }
        if (s.getAskForApproval() != null) {
            b.askForApproval(s.getAskForApproval());
        }
        if (s.getSandbox() != null) {
            b.sandbox(s.getSandbox());
        }
        return b.build();
    }

    static TurnLimits limits(SessionProperties s) {
        return TurnLimits.of(s.getTurnTimeout(), s.getIdleTimeout());
    }

    /** {@code codex-bridge.session.hibernate-after}, checked by the session builder itself, so its rule is the library's. */
    static Duration hibernateAfter(SessionProperties s) {
        Duration idle = s.getHibernateAfter();
        try {
            CodexSession.builder().hibernateAfter(idle);
            return idle;
        } catch (IllegalArgumentException e) {
            throw new CodexPropertiesException("codex-bridge.session.hibernate-after must be 0 (never) or at least 1s (is "
                    + (idle == null ? "unset" : idle.toMillis() % 1000 == 0 ? idle.toSeconds() + "s" : idle.toMillis() + "ms") + ")", e);
        }
    }

    private static boolean positive(Duration d) {
        return d != null && !d.isNegative() && !d.isZero();
    }
}
