package dev.codexbridge.springai;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Spring AI 1.1's spring-ai-client-chat brings networknt's json-schema-validator 2 (through the MCP
 * SDK 0.18), so ChatClientLiveTest's structured output runs beside it here, as in an application;
 * on 1.5 the library's check failed there with NoClassDefFoundError (issue 62, decision 0066).
 */
class ApplicationClassPathTest {
    @Test
    void theJsonSchemaValidatorIsTheOneSpringAi11Brings() throws Exception {
        assertThat(ApplicationClassPath.jsonSchemaValidatorVersion()).startsWith("2.");
    }
}
