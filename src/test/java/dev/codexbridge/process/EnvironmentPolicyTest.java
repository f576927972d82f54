package dev.codexbridge.process;

import static org.assertj.core.api.Assertions.assertThat;

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
}
