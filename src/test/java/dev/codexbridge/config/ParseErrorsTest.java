package dev.codexbridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlVersion;

/**
 * Parser errors of host configs (JSON, YAML) and {@code config.toml} say where and what kind,
 * never a piece of the input: seeded mutations of files holding a secret, with control
 * characters, CR/LF, quotes and brackets thrown in, must give messages with no run of the secret
 * and no control character.
 */
class ParseErrorsTest {
    private static final long SEED = Long.getLong("codexbridge.propertySeed", 20261126L);
    private static final int CASES = Integer.getInteger("codexbridge.propertyCases", 400);
    /** Letters no message word is made of, so any four of them in a row came from the input. */
    private static final String SECRET_ALPHABET = "QXZJKVWqxzjkvw0123456789";
    private static final String HOSTILE = "\"'\\{}[]:,=#\n\r\t\u0000\u0001\u001b\u007f*&!|>-. \u2028";

    @TempDir
    Path tmp;

    @Test
    void jsonYamlAndTomlErrorsNeverQuoteTheirInput() throws Exception {
        Random rnd = new Random(SEED);
        int failures = 0;
        for (int n = 0; n < CASES; n++) {
            String secret = secret(rnd);
            String json = mutate(rnd, "{\"mcpServers\": {\"gh\": {\"command\": \"npx\", \"env\": {\"GITHUB_TOKEN\": \"" + secret
                    + "\"}, \"args\": [\"-y\", \"--token=" + secret + "\"]}}}");
            String yaml = mutate(rnd, "mcp_servers:\n  gh:\n    command: npx\n    env:\n      GITHUB_TOKEN: \"" + secret
                    + "\"\n    args: [-y, '--token=" + secret + "']\n");
            String toml = mutate(rnd, "model = \"m\"\n[mcp_servers.gh]\ncommand = \"npx\"\nenv = { GITHUB_TOKEN = \"" + secret
                    + "\" }\nargs = ['--token=" + secret + "']\n");
            for (boolean isYaml : List.of(false, true)) {
                String text = isYaml ? yaml : json;
                try {
                    HostMcpConfig.parse(text, isYaml, "host." + (isYaml ? "yaml" : "json"));
                } catch (ConfigMigrationException e) {
                    failures++;
                    assertClean(e.getMessage(), secret, text);
                    assertThat(e.getCause()).as("no parser exception whose message quotes the input").isNull();
                }
            }
            for (TomlParseError e : Toml.parse(toml, TomlVersion.V1_0_0).errors()) {
                failures++;
                assertClean(ParseErrors.toml(e), secret, toml);
            }
        }
        assertThat(failures).as("the mutations must keep producing errors").isGreaterThan(CASES);
    }

    @Test
    void aBrokenConfigTomlIsReportedWithoutItsContent() throws Exception {
        Random rnd = new Random(SEED + 1);
        Path home = Files.createDirectories(tmp.resolve("home"));
        int refused = 0;
        for (int n = 0; n < 60; n++) {
            String secret = secret(rnd);
            String toml = mutate(rnd, "openai_api_key = \"" + secret + "\"\n[mcp_servers.gh]\ncommand = \"npx\"\n");
            Files.writeString(home.resolve("config.toml"), toml);
            MigrationReport r = ConfigMigrator.builder().codexHome(home).build().migrate(false);
            if (r.written() || !r.hasErrors()) {
                continue; // still valid TOML: migrated, the diff masks what it knows to mask (SecretMaskTest)
            }
            refused++;
            for (String rendering : List.of(r.toJson(), r.toString(), r.summary())) {
                assertThat(fourRunsOf(secret).stream().filter(rendering::contains).toList()).as(toml).isEmpty();
            }
            assertThat(Files.readString(home.resolve("config.toml"))).isEqualTo(toml);
        }
        assertThat(refused).isGreaterThan(10);
    }

    private static void assertClean(String message, String secret, String input) {
        assertThat(fourRunsOf(secret).stream().filter(message::contains).toList()).as(message + "\n--- input ---\n" + input).isEmpty();
        assertThat(message.chars().filter(c -> c < 0x20 || c == 0x7f || c == 0x2028)).as(message).isEmpty();
        if (message.contains("is not valid")) {
            assertThat(message).as("says where").containsPattern("line \\d+, column \\d+: ");
        }
    }

    /** Every four-character run of the secret that has a letter (a bare number may be a line or column). */
    private static List<String> fourRunsOf(String secret) {
        return java.util.stream.IntStream.rangeClosed(0, secret.length() - 4).mapToObj(i -> secret.substring(i, i + 4))
                .filter(run -> run.chars().anyMatch(Character::isLetter)).toList();
    }

    private static String secret(Random rnd) {
        StringBuilder sb = new StringBuilder("QZ");
        for (int i = 0; i < 20; i++) {
            sb.append(SECRET_ALPHABET.charAt(rnd.nextInt(SECRET_ALPHABET.length())));
        }
        return sb.toString();
    }

    /** One to three edits: a hostile character inserted, a character deleted, or a quote taken away. */
    private static String mutate(Random rnd, String text) {
        StringBuilder sb = new StringBuilder(text);
        int edits = 1 + rnd.nextInt(3);
        for (int e = 0; e < edits && sb.length() > 0; e++) {
            int at = rnd.nextInt(sb.length());
            switch (rnd.nextInt(3)) {
                case 0 -> sb.insert(at, HOSTILE.charAt(rnd.nextInt(HOSTILE.length())));
                case 1 -> sb.deleteCharAt(at);
                default -> {
                    int quote = sb.indexOf("\"", at);
                    if (quote >= 0) {
                        sb.deleteCharAt(quote);
                    }
                }
            }
        }
        return sb.toString();
    }
}
