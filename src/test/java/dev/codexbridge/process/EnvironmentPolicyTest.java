package dev.codexbridge.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvironmentPolicyTest {
    @Test
    void secretLookingNamesAreMatchedInAnyCase() {
        for (String name : new String[] {"HOST_API_TOKEN", "github_token", "DB_Password", "PGPASSWORD", "MYSQL_PASSWD",
                "AWS_SECRET_ACCESS_KEY", "aws_access_key_id", "GOOGLE_APPLICATION_CREDENTIALS", "NPM_CREDENTIAL",
                "SSH_PRIVATE_KEY", "SECRET"}) {
            assertThat(EnvironmentPolicy.looksSecret(name)).as(name).isTrue();
            assertThat(EnvironmentPolicy.withholdSecrets().withholds(name)).as(name).isTrue();
            assertThat(EnvironmentPolicy.inheritAll().withholds(name)).as(name).isFalse();
        }
        for (String name : new String[] {"PATH", "HOME", "PWD", "CODEX_HOME", "RUST_LOG", "LANG", "SSH_AUTH_SOCK"}) {
            assertThat(EnvironmentPolicy.withholdSecrets().withholds(name)).as(name).isFalse();
        }
    }

    @Test
    void codexsOwnCredentialsAndAllowedNamesPass() {
        EnvironmentPolicy policy = EnvironmentPolicy.withholdSecrets();
        for (String name : EnvironmentPolicy.CODEX_CREDENTIALS) {
            assertThat(policy.withholds(name)).as(name).isFalse();
        }
        assertThat(EnvironmentPolicy.CODEX_CREDENTIALS).contains("OPENAI_API_KEY", "CODEX_API_KEY");
        EnvironmentPolicy allowing = policy.allow("GITHUB_TOKEN");
        assertThat(allowing.withholds("GITHUB_TOKEN")).isFalse();
        assertThat(allowing.withholds("github_token")).as("allowing is exact").isTrue();
        assertThat(allowing.withholds("OPENAI_API_KEY")).isFalse();
        assertThat(policy.withholds("GITHUB_TOKEN")).as("a policy is a value").isTrue();
        assertThat(allowing.toString()).contains("GITHUB_TOKEN").contains("OPENAI_API_KEY");
        assertThat(EnvironmentPolicy.inheritAll().toString()).isEqualTo("inherit all");
    }

    @Test
    void variablesThatCarryCredentialsWithoutASecretLookingNameAreWithheld() {
        EnvironmentPolicy policy = EnvironmentPolicy.withholdSecrets();
        for (String name : new String[] {"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "SENTRY_DSN",
                "SESSION_COOKIE", "NPM_AUTH", "PROXY_AUTHORIZATION", "GH_PAT", "SMTP_PASS", "x_auth_header"}) {
            assertThat(policy.withholds(name)).as(name).isTrue();
            assertThat(policy.withholds(name, "plain")).as(name).isTrue();
        }
        // words, not fragments: these are not credentials
        for (String name : new String[] {"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "PATH", "PASSAGE", "OTEL_EXPORTER_OTLP_ENDPOINT",
                "SSH_AUTH_SOCK", "CODEX_BRIDGE_CODEX_DIR", "OTEL_RESOURCE_ATTRIBUTES"}) {
            assertThat(policy.withholds(name, "plain")).as(name).isFalse();
        }
        // a credential in the value, whatever the name
        for (String value : new String[] {"postgres://app:s3cret@db:5432/app", "https://user:pw@example.com/x",
                "https://ghp_0123456789abcdefghijklmnop@github.com/o/r.git", "Bearer eyJhbGciOiJIUzI1NiJ9.x.y",
                "Authorization=Basic dXNlcjpwYXNz", "api-key=1,Authorization=xyz"}) {
            assertThat(policy.withholds("DATABASE_URL", value)).as(value).isTrue();
            assertThat(EnvironmentPolicy.inheritAll().withholds("DATABASE_URL", value)).as(value).isFalse();
            assertThat(policy.allow("DATABASE_URL").withholds("DATABASE_URL", value)).as(value).isFalse();
        }
        for (String value : new String[] {"postgres://db:5432/app", "http://localhost:4318", "ssh://git@github.com/o/r.git",
                "/usr/bin:/bin", "en_US.UTF-8", "mailto:someone@example.com"}) {
            assertThat(policy.withholds("SOME_URL", value)).as(value).isFalse();
        }
    }

    @Test
    void jdbcUrlsWithAPasswordAreWithheldWhateverTheirName() {
        EnvironmentPolicy policy = EnvironmentPolicy.withholdSecrets();
        for (String value : new String[] {"jdbc:postgresql://db/app?user=u&password=p", "jdbc:postgresql://db/app?password=p&user=u",
                "jdbc:mysql://db:3306/app?useSSL=true&user=u&password=p", "jdbc:sqlserver://db:1433;databaseName=app;user=u;password=p",
                "jdbc:sqlserver://db;user=u;Password=p;encrypt=true", "jdbc:h2:tcp://db/app;USER=sa;PASSWORD=p",
                "jdbc:db2://db:50000/app:user=u;password=p;", "jdbc:oracle:thin:app/p@db:1521:orcl",
                "jdbc:oracle:thin:app/p@//db:1521/svc", "jdbc:mysql://u:p@db/app",
                "Server=db;Database=app;User Id=u;Pwd=p;", "host=db dbname=app user=u password=p"}) {
            assertThat(EnvironmentPolicy.carriesCredential(value)).as(value).isTrue();
            assertThat(policy.withholds("APP_SETTING", value)).as(value).isTrue();
            assertThat(policy.allow("APP_SETTING").withholds("APP_SETTING", value)).as(value).isFalse();
            assertThat(EnvironmentPolicy.inheritAll().withholds("APP_SETTING", value)).as(value).isFalse();
        }
        // a user alone, an empty password, or a word that merely contains one: no credential
        for (String value : new String[] {"jdbc:postgresql://db/app?user=u", "jdbc:postgresql://db/app?user=u&password=",
                "jdbc:oracle:thin:@db:1521:orcl", "jdbc:sqlserver://db;databaseName=app;integratedSecurity=true",
                "jdbc:postgresql://db/app?sslpassword_file=/x", "OLDPWD=/home", "/usr/bin:/bin"}) {
            assertThat(EnvironmentPolicy.carriesCredential(value)).as(value).isFalse();
        }
    }

    @Test
    void variablesNamedAsADatabasesAddressAreWithheldWhateverTheirValue() {
        EnvironmentPolicy policy = EnvironmentPolicy.withholdSecrets();
        for (String name : new String[] {"SPRING_DATASOURCE_URL", "STORE_JDBC_URL", "QUARKUS_DATASOURCE_JDBC_URL", "DATABASE_URL",
                "JDBC_DATABASE_URL", "JDBC_URL", "spring.datasource.url", "SPRING_R2DBC_URL", "APP_DB_URL", "MONGO_DATABASE_URI"}) {
            assertThat(EnvironmentPolicy.looksSecret(name)).as(name).isTrue();
            assertThat(policy.withholds(name, "jdbc:postgresql://db/app")).as(name).isTrue();
            assertThat(policy.allow(name).withholds(name, "jdbc:postgresql://db/app")).as(name).isFalse();
        }
        // URL as a word after another word, or those words elsewhere in the name: not a database's address
        for (String name : new String[] {"OPENAI_BASE_URL", "OTEL_EXPORTER_OTLP_ENDPOINT", "URL_DATABASE", "DATABASE_NAME", "DBURL_HINT",
                "JDBC_DRIVER", "SERVICE_URL"}) {
            assertThat(policy.withholds(name, "plain")).as(name).isFalse();
        }
    }

    @Test
    void theLaunchAppliesTheValueRule() {
        Map<String, String> env = new HashMap<>(Map.of("DATABASE_URL", "postgres://app:s3cret@db/app", "PLAIN", "x",
                "OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer abcdefgh12345678",
                "APP_DB", "jdbc:postgresql://db/app?user=app&password=s3cret", "SPRING_DATASOURCE_URL", "jdbc:postgresql://db/app"));
        CodexLaunch.appServer(Path.of("/usr/bin/codex-not-run")).build().applyEnvironment(env);
        assertThat(env).containsKey("PLAIN").doesNotContainKeys("DATABASE_URL", "OTEL_EXPORTER_OTLP_HEADERS", "APP_DB",
                "SPRING_DATASOURCE_URL");
    }
}
