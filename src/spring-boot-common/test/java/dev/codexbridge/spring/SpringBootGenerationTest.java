package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** A starter on the other Spring Boot generation fails its start naming the right artifact. No codex needed. */
class SpringBootGenerationTest {
    @Test
    void theSpringBoot3StarterOnSpringBoot4NamesTheSpringBoot4One() {
        assertThatThrownBy(() -> SpringBootGeneration.check("4.1.2", 3, "codex-bridge-spring-boot-starter",
                "codex-bridge-spring-boot4-starter", 4))
                .isInstanceOf(SpringBootGeneration.Mismatch.class)
                .hasMessage("dev.codexbridge:codex-bridge-spring-boot-starter is built for Spring Boot 3.x, and this application "
                        + "runs Spring Boot 4.1.2: depend on dev.codexbridge:codex-bridge-spring-boot4-starter instead (docs/spring-boot.md)");
    }

    @Test
    void theSpringBoot4StarterOnSpringBoot3NamesTheSpringBoot3One() {
        assertThatThrownBy(() -> SpringBootGeneration.check("3.5.16", 4, "codex-bridge-spring-boot4-starter",
                "codex-bridge-spring-boot-starter", 3))
                .hasMessageContaining("runs Spring Boot 3.5.16: depend on dev.codexbridge:codex-bridge-spring-boot-starter instead");
        assertThatThrownBy(() -> SpringBootGeneration.check("2.7.18", 4, "codex-bridge-spring-boot4-starter",
                "codex-bridge-spring-boot-starter", 3))
                .hasMessageContaining("runs Spring Boot 2.7.18: the starters are for Spring Boot 3.x and 4.x");
    }

    @Test
    void theRightGenerationOrNoVersionToReadPasses() {
        assertThatCode(() -> SpringBootGeneration.check("4.0.9", 4, "a", "b", 3)).doesNotThrowAnyException();
        assertThatCode(() -> SpringBootGeneration.check(null, 4, "a", "b", 3)).doesNotThrowAnyException();
        assertThatCode(() -> SpringBootGeneration.check("unknown", 4, "a", "b", 3)).doesNotThrowAnyException();
    }

    @Test
    void springBootsReportSaysWhatToDo() {
        // as registered in META-INF/spring.factories (Spring Boot's own analyzers that need constructor arguments left out)
        List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation().load(FailureAnalyzer.class, null,
                SpringFactoriesLoader.FailureHandler.handleMessage((message, failure) -> { }));
        SpringBootGeneration.Mismatch mismatch = new SpringBootGeneration.Mismatch("the starter is built for Spring Boot 3.x");
        FailureAnalysis analysis = analyzers.stream().map(a -> a.analyze(new IllegalStateException("wrapped", mismatch)))
                .filter(a -> a != null).findFirst().orElseThrow();
        assertThat(analysis.getDescription()).isEqualTo("the starter is built for Spring Boot 3.x");
        assertThat(analysis.getAction()).contains("which starter for which Spring Boot");
    }
}
