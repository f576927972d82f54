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

    /** Spring Boot's report: from its heading to the end, exactly one of them. */
    private static String report(String out) {
        assertThat(count(out, "APPLICATION FAILED TO START")).as(out).isEqualTo(1);
        return out.substring(out.indexOf("APPLICATION FAILED TO START"));
    }

    /**
     * No stack trace and no "Application run failed": besides the report, the message appears only
     * in the one warning Spring's context logs as it cancels the refresh (the exception's toString).
     */
    private static void assertNoTrace(String out, String message) {
        assertThat(out).doesNotContain("Application run failed").doesNotContain("\tat ").doesNotContain("Caused by:");
        assertThat(count(out, message)).as(out).isEqualTo(2);
        String before = out.substring(0, out.indexOf("APPLICATION FAILED TO START"));
        assertThat(before).contains("Exception encountered during context initialization - cancelling refresh attempt");
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
        String report = report(out);
        assertThat(report).contains("Action:").contains("Check the codex that codex-bridge.process.binary names");
        assertThat(count(report, "fake-codex: no such command")).as(out).isEqualTo(1);
        assertNoTrace(out, "fake-codex: no such command");
    }

    @Test
    void aBinaryPathThatDoesNotExistIsReportedOnceAsAProperty(CapturedOutput output) {
        Path missing = tmp.resolve("no-codex-here");
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("codex-bridge.process.binary=" + missing, "spring.main.banner-mode=off")
                .run()).hasRootCauseInstanceOf(CodexPropertiesException.class);
        String out = output.getAll();
        String report = report(out);
        assertThat(report).contains("Action:");
        assertThat(count(report, "codex-bridge.process.binary: " + missing + " does not exist")).as(out).isEqualTo(1);
        assertNoTrace(out, "codex-bridge.process.binary: " + missing + " does not exist");
    }

    @Test
    void codexNotFoundGetsAnActionThatNamesThePropertyAndTheArtifact() {
        CodexNotFoundException notFound = new CodexNotFoundException("codex CLI not found. Looked, in this order, at: ...");
        FailureAnalysis analysis = new CodexStartFailureAnalyzer().analyze(
                new IllegalStateException("wrapped", notFound));
        assertThat(analysis.getDescription()).isEqualTo(notFound.getMessage());
        assertThat(analysis.getAction()).contains("Set codex-bridge.process.binary to the codex 0.171.0 executable")
                .contains("dev.codexbridge:codex-bridge-codex-PLATFORM");
        assertThat(analysis.getCause()).isSameAs(notFound);
    }
}
