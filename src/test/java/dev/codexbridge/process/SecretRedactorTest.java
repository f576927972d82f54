package dev.codexbridge.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretRedactorTest {
    @Test
    void masksKeysTokensAndCredentialAssignments() {
        assertThat(SecretRedactor.redact("using key sk-proj-AbC123xyz789 now")).isEqualTo("using key sk-*** now");
        assertThat(SecretRedactor.redact("Authorization: Bearer eyJhbGciOi.payload.sig")).isEqualTo("Authorization: Bearer ***");
        assertThat(SecretRedactor.redact("authorization=Basic dXNlcjpwYXNz")).isEqualTo("authorization=***");
        assertThat(SecretRedactor.redact("OPENAI_API_KEY=abcd1234efgh")).isEqualTo("OPENAI_API_KEY=***");
        assertThat(SecretRedactor.redact("{\"token\": \"tok_live_123456\"}")).isEqualTo("{\"token\": \"***\"}");
        assertThat(SecretRedactor.redact("gh token ghp_0123456789abcdefABCDEF")).isEqualTo("gh token ***");
    }

    @Test
    void leavesOrdinaryTextAlone() {
        String text = "Error: approval_policy = \"untrusted\" is no longer supported; tokens used: 42";
        assertThat(SecretRedactor.redact(text)).isEqualTo(text);
        assertThat(SecretRedactor.redact(null)).isNull();
    }
}
