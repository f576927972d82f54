package dev.codexbridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerTranslatorTest {
    private static ServerTranslator.Result t(String json) {
        return ServerTranslator.translate("s", Json.parse(json));
    }

    @Test
    void stdioKeysInCodexOrder() {
        ServerTranslator.Result r = t("{\"env\":{\"A\":\"1\"},\"args\":[\"-y\",3],\"command\":\"npx\",\"cwd\":\"/w\","
                + "\"timeout\":\"90\",\"startup_timeout_ms\":2500,\"enabled\":true,\"enabledTools\":[\"a\"],\"disabled_tools\":[\"b\"]}");
        assertThat(r.ok()).isTrue();
        assertThat(r.keys().keySet()).containsExactly("command", "args", "env", "cwd", "startup_timeout_sec",
                "tool_timeout_sec", "enabled_tools", "disabled_tools");
        assertThat(r.keys().get("args")).isEqualTo(List.of("-y", "3"));
        assertThat(r.keys().get("startup_timeout_sec")).isEqualTo(2.5);
        assertThat(r.keys().get("tool_timeout_sec")).isEqualTo(90.0);
        assertThat(r.skipped()).isEmpty();
    }

    @Test
    void httpHeadersSplitIntoLiteralEnvAndBearer() {
        ServerTranslator.Result r = t("{\"url\":\"https://x/mcp\",\"headers\":{\"Authorization\":\"Bearer $TOKEN\","
                + "\"X-A\":\"${env:A}\",\"X-B\":\"lit\",\"X-C\":\"pre ${env:C}\"}}");
        assertThat(r.keys().get("bearer_token_env_var")).isEqualTo("TOKEN");
        assertThat(r.keys().get("env_http_headers")).isEqualTo(Map.of("X-A", "A"));
        assertThat(r.keys().get("http_headers")).isEqualTo(Map.of("X-B", "lit"));
        assertThat(r.skipped()).singleElement().asString().startsWith("headers.X-C");
    }

    @Test
    void aLiteralBearerTokenIsKeptButWarnedAboutAndNeverEchoed() {
        ServerTranslator.Result r = t("{\"url\":\"https://x/mcp\",\"headers\":{\"Authorization\":\"Bearer sk-live-secret\"}}");
        assertThat(r.keys().get("http_headers")).isEqualTo(Map.of("Authorization", "Bearer sk-live-secret"));
        assertThat(r.warnings()).singleElement().asString().contains("literal credential").doesNotContain("sk-live-secret");
    }

    @Test
    void transportMismatchesAndMissingTransportAreErrors() {
        assertThat(t("{\"command\":\"a\",\"url\":\"https://b\"}").error()).contains("both command and url");
        assertThat(t("{\"type\":\"stdio\",\"url\":\"https://b\"}").error()).contains("needs a command");
        assertThat(t("{\"type\":\"sse\",\"command\":\"a\"}").error()).contains("needs a url");
        assertThat(t("{\"description\":\"x\"}").error()).isEqualTo("no command or url");
        assertThat(t("\"not an object\"").error()).contains("not an object");
        assertThat(t("{\"url\":\"https://${env:HOST}/mcp\"}").error()).contains("variable");
        assertThat(ServerTranslator.translate("s", null).error()).isEqualTo("no command or url");
    }

    @Test
    void keysCodexCannotTakeAreSkippedAndNamedWithoutValues() {
        ServerTranslator.Result r = t("{\"command\":\"a\",\"headers\":{\"k\":\"v\"},\"sampling\":{},\"envFile\":\"/e\","
                + "\"timeout\":true,\"weird\":\"secret-value\",\"env\":{\"X\":\"${env:Y}\",\"Z\":{\"nested\":1}}}");
        assertThat(r.ok()).isTrue();
        assertThat(r.skipped()).anySatisfy(s -> assertThat(s).startsWith("headers"))
                .anySatisfy(s -> assertThat(s).startsWith("sampling"))
                .anySatisfy(s -> assertThat(s).startsWith("envFile"))
                .anySatisfy(s -> assertThat(s).startsWith("timeout"))
                .anySatisfy(s -> assertThat(s).isEqualTo("weird (unknown key)"))
                .anySatisfy(s -> assertThat(s).startsWith("env.X (refers to Y"))
                .anySatisfy(s -> assertThat(s).startsWith("env.Z"));
        assertThat(String.join(" ", r.skipped())).doesNotContain("secret-value");
    }

    @Test
    void toolsIncludeExcludeAndAutoApprovals() {
        ServerTranslator.Result r = t("{\"command\":\"a\",\"tools\":{\"include\":[\"x\",\"y\"],\"exclude\":[\"y\"]},"
                + "\"autoApprove\":[\"x\"],\"disabled\":true}");
        assertThat(r.keys()).containsEntry("enabled_tools", List.of("x", "y")).containsEntry("disabled_tools", List.of("y"))
                .containsEntry("enabled", false);
        assertThat(r.toolTables()).isEqualTo(Map.of("x", Map.of("approval_mode", "approve")));
    }
}
