package dev.codexbridge.process;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which inherited environment variables reach codex, and through it every command, MCP server and
 * hook it starts: whatever codex gets, a command the model runs can print (one approved
 * {@code env} is enough), so a prompt-injected model can read it.
 *
 * <p>The default, {@link #withholdSecrets()}, withholds every inherited variable whose name
 * contains {@code token}, {@code secret}, {@code password}, {@code passwd}, {@code key} or
 * {@code credential} in any case ({@code HOST_API_TOKEN}, {@code PGPASSWORD},
 * {@code AWS_SECRET_ACCESS_KEY}, {@code GOOGLE_APPLICATION_CREDENTIALS}), every variable one of whose
 * {@code _}-separated words is in {@link #CREDENTIAL_NAME_WORDS} ({@code OTEL_EXPORTER_OTLP_HEADERS},
 * which carries the collector's {@code Authorization}; {@code SENTRY_DSN}; {@code NPM_AUTH};
 * {@code SESSION_COOKIE}), every variable named as a database's address
 * ({@link #DATABASE_ADDRESS_WORDS}: {@code DATABASE_URL}, {@code SPRING_DATASOURCE_URL},
 * {@code QUARKUS_DATASOURCE_JDBC_URL}, {@code STORE_JDBC_URL}), and every variable whose value
 * carries a credential whatever its name (a URL with a password, {@code postgres://app:pw@db/app};
 * a password parameter, {@code jdbc:postgresql://db/app?user=app&password=pw},
 * {@code jdbc:sqlserver://db;user=app;password=pw}; Oracle's {@code jdbc:oracle:thin:app/pw@db}; a
 * {@code Bearer} or {@code Basic} value), except the variables codex itself reads to authenticate to its model service ({@link #CODEX_CREDENTIALS}) and the names
 * {@link #allow allowed} on top. {@link #inheritAll()} passes everything, as before this policy
 * existed.
 *
 * <p>The policy applies to inherited variables only: a value set with
 * {@code CodexLaunch.Builder.environment(key, value)} always passes. It is a value: every method
 * returns a new policy.
 *
 * @param withholdsSecretNames whether secret-looking names are withheld
 * @param allowed names passed even though they look secret (exact, case-sensitive)
 */
public record EnvironmentPolicy(boolean withholdsSecretNames, Set<String> allowed) {
    /**
     * The variables codex (0.169.0) reads to authenticate itself: {@code OPENAI_API_KEY} and
     * {@code CODEX_API_KEY} (an API key), {@code CODEX_ACCESS_TOKEN} (an access token, as
     * {@code codex login --with-access-token} takes it) and {@code AWS_BEARER_TOKEN_BEDROCK} (its
     * Amazon Bedrock provider's API key). Kept by the default policy: codex cannot work without its
     * credential. Codex's own {@code shell_environment_policy} decides whether they reach its commands.
     * The general AWS credentials ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY},
     * {@code AWS_SESSION_TOKEN}), which the Bedrock provider also reads, open far more than the
     * model and are withheld unless {@link #allow allowed}.
     */
    public static final Set<String> CODEX_CREDENTIALS =
            Set.of("OPENAI_API_KEY", "CODEX_API_KEY", "CODEX_ACCESS_TOKEN", "AWS_BEARER_TOKEN_BEDROCK");

    /** The name fragments that make a variable secret-looking, matched in any case. */
    public static final Set<String> SECRET_NAME_PARTS =
            Set.of("token", "secret", "password", "passwd", "key", "credential");

    /**
     * Words that make a variable credential-carrying although its name has no secret-looking
     * fragment, matched as whole {@code _}-separated words in any case: request headers
     * ({@code *_HEADERS}, the OTLP exporter's), connection strings ({@code *_DSN}), cookies, and
     * {@code AUTH}/{@code AUTHORIZATION}/{@code BEARER}/{@code PASS}/{@code PAT}. {@code SSH_AUTH_SOCK}
     * (a socket's path, no value to leak) is not one.
     */
    public static final Set<String> CREDENTIAL_NAME_WORDS =
            Set.of("headers", "header", "dsn", "cookie", "cookies", "auth", "authorization", "bearer", "pass", "pat");

    /**
     * Words that, followed by the word {@code URL} or {@code URI}, name a database's address:
     * {@code DATABASE_URL}, {@code SPRING_DATASOURCE_URL}, {@code QUARKUS_DATASOURCE_JDBC_URL},
     * {@code STORE_JDBC_URL}, {@code SPRING_R2DBC_URL}, {@code DB_URI}. Withheld whatever the value: drivers take the
     * credentials in more forms than {@link #carriesCredential} knows, and a database's address is
     * no command's business unless the host allows it.
     */
    public static final Set<String> DATABASE_ADDRESS_WORDS = Set.of("jdbc", "r2dbc", "datasource", "database", "db");

    private static final Set<String> NOT_CREDENTIALS = Set.of("SSH_AUTH_SOCK");
    /** A URL whose user info has a password ({@code user:pw@}) or is a token on its own (20 characters or more). */
    private static final Pattern URL_WITH_CREDENTIAL =
            Pattern.compile("(?i)\\b[a-z][a-z0-9+.-]*://(?:[^\\s/@:]*:[^\\s/@]*|[^\\s/@:]{20,})@");
    /**
     * A password given as a parameter, after {@code ?}, {@code &}, {@code ;}, {@code :}, a space or at
     * the start: JDBC URLs ({@code ?password=}, SQL Server's and H2's {@code ;password=}, DB2's
     * {@code :password=}), ODBC and ADO.NET strings ({@code Pwd=}), libpq's {@code password=}.
     */
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)(?:^|[\\s?&;:])(?:password|passwd|pwd)\\s*=\\s*[^\\s&;]");
    /** Oracle's thin driver takes {@code user/password@} after its prefix, no {@code //} before it. */
    private static final Pattern ORACLE_CREDENTIAL = Pattern.compile("(?i)\\bjdbc:oracle:[a-z]+:[^\\s/@:]+/[^\\s@]+@");
    private static final Pattern AUTH_VALUE = Pattern.compile("(?i)(?:^|[\\s,=])(?:bearer|basic)\\s+\\S{8,}|authorization\\s*[=:]");

    private static final EnvironmentPolicy WITHHOLD_SECRETS = new EnvironmentPolicy(true, CODEX_CREDENTIALS);
    private static final EnvironmentPolicy INHERIT_ALL = new EnvironmentPolicy(false, Set.of());

    public EnvironmentPolicy {
        allowed = Set.copyOf(Objects.requireNonNull(allowed, "allowed"));
    }

    /** The default: secret-looking variables are withheld, codex's own credentials pass. */
    public static EnvironmentPolicy withholdSecrets() {
        return WITHHOLD_SECRETS;
    }

    /** Every inherited variable passes (only names withheld explicitly on the launch are kept back). */
    public static EnvironmentPolicy inheritAll() {
        return INHERIT_ALL;
    }

    /**
     * This policy, also passing {@code names} although they look secret: a credential a tool or MCP
     * server of codex's needs from the environment (say {@code GITHUB_TOKEN}), or a model provider's
     * {@code env_key}. Setting the value explicitly on the launch does the same for one variable.
     */
    public EnvironmentPolicy allow(String... names) {
        return allow(Arrays.asList(names));
    }

    /** {@link #allow(String...)} for a collection. */
    public EnvironmentPolicy allow(Collection<String> names) {
        Set<String> more = new TreeSet<>(allowed);
        for (String name : names) {
            more.add(Objects.requireNonNull(name, "name"));
        }
        return new EnvironmentPolicy(withholdsSecretNames, more);
    }

    /** Whether an inherited variable called {@code name} is kept away from codex, judged by its name alone. */
    public boolean withholds(String name) {
        return withholdsSecretNames && !allowed.contains(name) && looksSecret(name);
    }

    /** Whether the inherited variable {@code name=value} is kept away from codex: by its name, or by a credential in its value. */
    public boolean withholds(String name, String value) {
        return withholdsSecretNames && !allowed.contains(name) && (looksSecret(name) || value != null && carriesCredential(value));
    }

    /**
     * Whether {@code name} contains one of {@link #SECRET_NAME_PARTS}, in any case, has one of
     * the {@link #CREDENTIAL_NAME_WORDS} as a word, or names a database's address (one of the
     * {@link #DATABASE_ADDRESS_WORDS} followed by {@code URL} or {@code URI}).
     */
    public static boolean looksSecret(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String part : SECRET_NAME_PARTS) {
            if (lower.contains(part)) {
                return true;
            }
        }
        if (NOT_CREDENTIALS.contains(name)) {
            return false;
        }
        String[] words = lower.split("[^a-z0-9]+");
        for (int i = 0; i < words.length; i++) {
            if (CREDENTIAL_NAME_WORDS.contains(words[i])) {
                return true;
            }
            if (i > 0 && (words[i].equals("url") || words[i].equals("uri")) && DATABASE_ADDRESS_WORDS.contains(words[i - 1])) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code value} carries a credential: a URL with user info that has a password or is
     * token-long, a password parameter (a JDBC URL's {@code password=}, a connection string's
     * {@code Pwd=}), Oracle's {@code user/password@}, or an authorization value.
     */
    public static boolean carriesCredential(String value) {
        return URL_WITH_CREDENTIAL.matcher(value).find() || PASSWORD_PARAMETER.matcher(value).find()
                || ORACLE_CREDENTIAL.matcher(value).find() || AUTH_VALUE.matcher(value).find();
    }

    @Override
    public String toString() {
        if (!withholdsSecretNames) {
            return "inherit all";
        }
        return "withhold secret-looking names except " + new TreeSet<>(allowed);
    }
}
