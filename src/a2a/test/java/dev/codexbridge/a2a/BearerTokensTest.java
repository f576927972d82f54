package dev.codexbridge.a2a;

import dev.codexbridge.callers.BearerTokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerTokensTest {
    @TempDir
    Path tmp;

    @Test
    void aTokenFileNamesOnePrincipalPerToken() throws Exception {
        Path f = Files.writeString(tmp.resolve("tokens"), "# who token\n\nalice  alice-token-0123456789\nbob bob-token-0123456789ab\n");
        BearerTokens t = BearerTokens.read(f);
        assertThat(t.principal("Bearer alice-token-0123456789")).hasValue("alice");
        assertThat(t.principal("bearer bob-token-0123456789ab")).hasValue("bob");
        assertThat(t.principal("Bearer alice-token-012345678")).isEmpty();
        assertThat(t.principal("Basic YWxpY2U6eA==")).isEmpty();
        assertThat(t.principal(null)).isEmpty();
    }

    @Test
    void malformedFilesAndWeakTokensAreRefusedWithTheReason() throws Exception {
        Path f = Files.writeString(tmp.resolve("tokens"), "alice alice-token-0123456789\nbob\n");
        assertThatThrownBy(() -> BearerTokens.read(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(f + ":2: expected 'PRINCIPAL TOKEN'");
        Path twice = Files.writeString(tmp.resolve("twice"), "alice same-token-0123456789\nbob same-token-0123456789\n");
        assertThatThrownBy(() -> BearerTokens.read(twice)).hasMessage(twice + ":2: the same token is given twice");
        assertThatThrownBy(() -> BearerTokens.of(Map.of("short", "alice")))
                .hasMessageContaining("the token of principal 'alice' must be at least 16");
        assertThatThrownBy(() -> BearerTokens.of(Map.of())).hasMessageContaining("no bearer tokens");
    }
}
