package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** A whole application started with invalid properties: Spring Boot's failure report names them. No codex needed. */
@ExtendWith(OutputCaptureExtension.class)
class FailureReportTest {
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    @Test
    void invalidPropertiesAreReportedAsSuchAtStartUp(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("codex-bridge.endpoint.url=ws://127.0.0.1:4500", "codex-bridge.endpoint.jwt.issuer=me",
                        "spring.main.banner-mode=off")
                .run()).hasRootCauseInstanceOf(CodexPropertiesException.class);
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("codex-bridge.endpoint.jwt needs secret-file, issuer and audience together")
                .contains("Fix the codex-bridge.* properties named above");
    }
}
