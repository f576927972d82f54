package dev.codexbridge.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlVersion;

class TomlTest {
    private static String roundTrip(String value) {
        TomlParseResult r = org.tomlj.Toml.parse("v = " + Toml.string(value), TomlVersion.V1_0_0);
        assertThat(r.errors()).isEmpty();
        return r.getString("v");
    }

    @Test
    void escapesQuotesBackslashesAndEveryControlCharacter() {
        assertThat(Toml.string("a\"b")).isEqualTo("\"a\\\"b\"");
        assertThat(Toml.string("C:\\Users\\Alice\\.codex")).isEqualTo("\"C:\\\\Users\\\\Alice\\\\.codex\"");
        assertThat(Toml.string("l1\nl2\tt\r\f\b")).isEqualTo("\"l1\\nl2\\tt\\r\\f\\b\"");
        assertThat(Toml.string("\u0000\u0001\u001f\u007f")).isEqualTo("\"\\u0000\\u0001\\u001F\\u007F\"");
        for (char c = 0; c < 0x80; c++) {
            String s = "x" + c + "y";
            assertThat(roundTrip(s)).as("char %d", (int) c).isEqualTo(s);
        }
    }

    @Test
    void keepsNonAsciiAndRejectsUnpairedSurrogates() {
        assertThat(Toml.string("héllo ✓ 🚀")).isEqualTo("\"héllo ✓ 🚀\"");
        assertThat(roundTrip("名前 🚀")).isEqualTo("名前 🚀");
        assertThatThrownBy(() -> Toml.string("bad\uD800")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> Toml.string("\uDC00bad")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void quotesKeysUnlessTheyAreBareSafeAscii() {
        assertThat(Toml.key("ok-key_1")).isEqualTo("ok-key_1");
        assertThat(Toml.key("a.b")).isEqualTo("\"a.b\"");
        assertThat(Toml.key("é")).isEqualTo("\"é\"");
        assertThat(Toml.key("")).isEqualTo("\"\"");
        assertThat(Toml.key("x]\n[y")).isEqualTo("\"x]\\n[y\"");
    }

    @Test
    void rendersValues() {
        assertThat(Toml.value(true)).isEqualTo("true");
        assertThat(Toml.value(42L)).isEqualTo("42");
        assertThat(Toml.value(180.0)).isEqualTo("180.0");
        assertThat(Toml.value(1.5)).isEqualTo("1.5");
        assertThat(Toml.value(1e20)).isEqualTo("100000000000000000000.0");
        assertThat(Toml.value(List.of("a", "b"))).isEqualTo("[\"a\", \"b\"]");
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("FOO", "bar");
        env.put("a.b", "c");
        assertThat(Toml.value(env)).isEqualTo("{ FOO = \"bar\", \"a.b\" = \"c\" }");
        assertThat(Toml.value(Map.of())).isEqualTo("{}");
        assertThatThrownBy(() -> Toml.value(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Toml.value(new Object())).isInstanceOf(IllegalArgumentException.class);
    }
}
