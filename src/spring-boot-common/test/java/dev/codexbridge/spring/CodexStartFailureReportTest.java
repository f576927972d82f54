package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.process.CodexNotFoundException;
import dev.codexbridge.process.CodexProcessException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * An application whose codex is missing or does not start: Spring Boot's failure report gives the
 * library's message once, and the action names codex-bridge.process.binary. No codex needed.
 */
@ExtendWith(OutputCaptureExtension.class)
class CodexStartFailureReportTest {
    @TempDir
    Path tmp;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    private static java.util.List<Throwable> causes(Throwable e) {
        java.util.List<Throwable> all = new java.util.ArrayList<>();
        for (Throwable t = e; t != null && all.size() < 20; t = t.getCause()) {
            all.add(t);
        }
        return all;
    }

    private static int count(String text, String part) {
        Matcher m = Pattern.compile(Pattern.quote(part)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void aBinaryThatIsNotCodexFailsTheStartWithOneReportNamingTheProperty(CapturedOutput output) throws IOException {
        Path fake = tmp.resolve("not-codex");
        Files.writeString(fake, "#!/bin/sh\necho 'fake-codex: no such command' >&2\nexit 3\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("codex-bridge.process.binary=" + fake, "spring.main.banner-mode=off")
                .run()).satisfies(e -> assertThat(causes(e)).anyMatch(CodexProcessException.class::isInstance));
        String out = output.getAll();
        assertThat(out).contains("APPLICATION FAILED TO START").contains("Action:")
                .contains("Check the codex that codex-bridge.process.binary names");
        assertThat(count(out, "fake-codex: no such command")).as(out).isEqualTo(1);
        // the report, not a stack trace
        assertThat(out).doesNotContain("\tat dev.codexbridge.");
    }

    @Test
    void aBinaryPathThatDoesNotExistIsReportedOnceAsAProperty(CapturedOutput output) {
        Path missing = tmp.resolve("no-codex-here");
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("codex-bridge.process.binary=" + missing, "spring.main.banner-mode=off")
                .run()).hasRootCauseInstanceOf(CodexPropertiesException.class);
        String out = output.getAll();
        assertThat(out).contains("APPLICATION FAILED TO START").contains("Action:");
        assertThat(count(out, "codex-bridge.process.binary: " + missing + " does not exist")).as(out).isEqualTo(1);
        assertThat(out).doesNotContain("\tat dev.codexbridge.");
    }

    @Test
    void codexNotFoundGetsAnActionThatNamesThePropertyAndTheArtifact() {
        CodexNotFoundException notFound = new CodexNotFoundException("codex CLI not found. Looked, in this order, at: ...");
        FailureAnalysis analysis = new CodexStartFailureAnalyzer().analyze(
                new IllegalStateException("wrapped", notFound));
        assertThat(analysis.getDescription()).isEqualTo(notFound.getMessage());
        assertThat(analysis.getAction()).contains("Set codex-bridge.process.binary to the codex 0.169.0 executable")
                .contains("dev.codexbridge:codex-bridge-codex-PLATFORM");
        assertThat(analysis.getCause()).isSameAs(notFound);
    }
}
