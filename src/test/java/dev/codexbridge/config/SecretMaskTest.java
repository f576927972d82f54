package dev.codexbridge.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlVersion;

/**
 * {@link SecretMask}: what the report's diff shows of a {@code config.toml}. Hand-picked forms,
 * then generated files (seeded) with secrets in every place codex's config holds them: the mask
 * keeps every line where it is, keeps the text TOML with the same keys, keeps plain values
 * readable, and lets no secret through.
 */
class SecretMaskTest {
    private static final long SEED = Long.getLong("codexbridge.propertySeed", 20261126L);
    private static final int CASES = Integer.getInteger("codexbridge.propertyCases", 400);

    @Test
    void theManagedBlockFormsAreMaskedReadably() {
        assertThat(SecretMask.mask("env = { GITHUB_TOKEN = \"ghp_x\", \"A B\" = 'v' }\n"))
                .isEqualTo("env = { GITHUB_TOKEN = \"***\", \"A B\" = '***' }\n");
        assertThat(SecretMask.mask("http_headers = { Authorization = \"Bearer sk-1\", X-Api-Key = \"k\" }"))
                .isEqualTo("http_headers = { Authorization = \"***\", X-Api-Key = \"***\" }");
        assertThat(SecretMask.mask("[mcp_servers.gh.env]\nTOKEN = \"\"\"\nline1\nline2\"\"\"\nOTHER = 1\n"))
                .isEqualTo("[mcp_servers.gh.env]\nTOKEN = \"\"\"\n***\n***\"\"\"\nOTHER = 1\n");
        assertThat(SecretMask.mask("env.SECRET = \"s\\\"x\"\n")).isEqualTo("env.SECRET = \"***\"\n");
        // names of variables are not secrets, and plain values stay readable
        String names = "bearer_token_env_var = \"GITHUB_TOKEN\"\nenv_vars = [\"API_KEY\"]\n"
                + "env_http_headers = { X-Api-Key = \"API_KEY\" }\ncommand = \"npx\"\nargs = [\"-y\", \"server\"]\n"
                + "startup_timeout_sec = 10.0\nenabled = false\n";
        assertThat(SecretMask.mask(names)).isEqualTo(names);
        assertThat(SecretMask.mask("bearer_token_env_var = \"ghp_abcdefghijklmnop\"")).isEqualTo("bearer_token_env_var = \"ghp_***\"");
    }

    @Test
    void credentialShapedPartsOfOtherValuesAreMasked() {
        assertThat(SecretMask.mask("args = [\"--api-key\", \"abc123\", \"--token=xyz789\", \"plain\"]"))
                .isEqualTo("args = [\"--api-key\", \"***\", \"--token=***\", \"plain\"]");
        assertThat(SecretMask.mask("args = [\n  \"--password\", # the password\n  'hunter22',\n]\n"))
                .isEqualTo("args = [\n  \"--password\", # the password\n  '***',\n]\n");
        assertThat(SecretMask.mask("url = \"https://me:pw@example.com/mcp?api_key=abc&v=2\""))
                .isEqualTo("url = \"https://***@example.com/mcp?api_key=***&v=2\"");
        assertThat(SecretMask.mask("command = \"run --key sk-proj-abcdefgh ghp_abcdefghijklmnopqrstu\""))
                .isEqualTo("command = \"run --key sk-proj-*** ghp_***\"");
        assertThat(SecretMask.mask("openai_api_key = \"whatever\"\nexperimental_bearer_token = 'x'\n"))
                .isEqualTo("openai_api_key = \"***\"\nexperimental_bearer_token = '***'\n");
        assertThat(SecretMask.mask("# password = \"hunter22\"\nmodel = \"gpt-5\" # Bearer abcdefgh\n"))
                .isEqualTo("# password = \"***\"\nmodel = \"gpt-5\" # Bearer ***\n");
    }

    @Test
    void textItCannotFollowIsMaskedWholeFromThereOn() {
        assertThat(SecretMask.mask("a = 1\nb = \"unterminated secret\nc = 2\n")).isEqualTo("a = 1\nb = \"***\n***\n");
        assertThat(SecretMask.mask("a = 1\n= nonsense\n")).isEqualTo("a = 1\n***\n");
    }

    @Test
    void generatedFilesKeepTheirLinesAndKeysAndLoseEverySecret() {
        Random rnd = new Random(SEED);
        for (int n = 0; n < CASES; n++) {
            Generated g = generate(rnd);
            String label = "case " + n + " (seed " + SEED + ")\n" + g.text;
            TomlParseResult real = Toml.parse(g.text, TomlVersion.V1_0_0);
            assertThat(real.errors()).as("the generator writes TOML 1.0: " + label).isEmpty();

            String masked = SecretMask.mask(g.text);
            assertThat(masked.lines().count()).as(label).isEqualTo(g.text.lines().count());
            assertThat(masked.split("\n", -1).length).as(label).isEqualTo(g.text.split("\n", -1).length);
            TomlParseResult shown = Toml.parse(masked, TomlVersion.V1_0_0);
            assertThat(shown.errors()).as(label + "\n--- masked ---\n" + masked).isEmpty();
            assertThat(shown.dottedKeySet(true)).as(label).isEqualTo(real.dottedKeySet(true));
            for (String secret : g.secrets) {
                assertThat(masked).as(label + "\n--- masked ---\n" + masked).doesNotContain(secret);
            }
            for (String plain : g.plain) {
                assertThat(masked).as(label).contains(plain);
            }
            // and the diff of two such files, paired on the real lines
            Generated other = generate(rnd);
            String diff = ConfigMigrator.unifiedDiff(g.text, other.text);
            for (String secret : concat(g.secrets, other.secrets)) {
                assertThat(diff).as(label).doesNotContain(secret);
            }
        }
    }

    private record Generated(String text, List<String> secrets, List<String> plain) {
    }

    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private static String secret(Random rnd) {
        StringBuilder sb = new StringBuilder("S");
        for (int i = 0; i < 18; i++) {
            sb.append(ALNUM.charAt(rnd.nextInt(ALNUM.length())));
        }
        return sb.toString();
    }

    /** A TOML string holding {@code s}, in one of the four string forms, with a hostile tail where the form allows it. */
    private static String str(Random rnd, String s) {
        return switch (rnd.nextInt(5)) {
            case 0 -> "'" + s + "'";
            case 1 -> "\"" + s + "\\\"\\\\\\t\\u0001\"";
            case 2 -> "\"\"\"\n" + s + "\nmore\\\n  tail\"\"\"";
            case 3 -> "'''" + s + "\r\nsecond line'''";
            default -> "\"" + s + "\"";
        };
    }

    private static Generated generate(Random rnd) {
        List<String> secrets = new ArrayList<>();
        List<String> plain = new ArrayList<>();
        StringBuilder t = new StringBuilder();
        String eol = rnd.nextInt(4) == 0 ? "\r\n" : "\n";
        t.append("model = \"gpt-5.5\"").append(eol);
        plain.add("\"gpt-5.5\"");
        if (rnd.nextBoolean()) {
            String s = secret(rnd);
            secrets.add(s);
            t.append(List.of("openai_api_key", "password", "\"my token\"", "client_secret").get(rnd.nextInt(4)))
                    .append(" = ").append(str(rnd, s)).append(" # key").append(eol);
        }
        if (rnd.nextBoolean()) {
            String s = secret(rnd);
            secrets.add(s);
            t.append("# api_key = \"").append(s).append('"').append(eol);
        }
        int servers = 1 + rnd.nextInt(3);
        for (int k = 0; k < servers; k++) {
            String name = switch (rnd.nextInt(3)) {
                case 0 -> "github" + k;
                case 1 -> "\"my.server " + k + "\"";
                default -> "'quoted name " + k + "'";
            };
            t.append(eol).append("[mcp_servers.").append(name).append(']').append(eol);
            if (rnd.nextBoolean()) {
                t.append("command = \"uvx\"").append(eol);
                plain.add("\"uvx\"");
                String flagSecret = secret(rnd);
                secrets.add(flagSecret);
                String sep = rnd.nextBoolean() ? ", " : "," + eol + "  # a comment" + eol + "  ";
                String flagged = switch (rnd.nextInt(3)) {
                    case 0 -> "\"--api-key\"" + sep + str(rnd, flagSecret).replace("\r\n", "\n");
                    case 1 -> "\"--token=" + flagSecret + "\"";
                    default -> "\"ghp_" + flagSecret + "\"";
                };
                t.append("args = [").append(rnd.nextBoolean() ? eol + "  " : "").append("\"mcp-server-fetch\"").append(sep)
                        .append(flagged).append(rnd.nextBoolean() ? "," + eol : "").append(']').append(eol);
                plain.add("\"mcp-server-fetch\"");
                String envSecret = secret(rnd);
                String oddSecret = secret(rnd);
                secrets.addAll(List.of(envSecret, oddSecret));
                if (rnd.nextBoolean()) {
                    t.append("env = { GITHUB_TOKEN = ").append(str(rnd, envSecret).replace("\r\n", "\n").replace("\n", "\\n")
                            .replace("\"\"\"", "\"").replace("'''", "'")).append(", \"ODD KEY\" = \"").append(oddSecret).append("\" }").append(eol);
                } else {
                    t.append("env_vars = [\"HOME_DIR\"]").append(eol);
                    plain.add("\"HOME_DIR\"");
                    t.append(eol).append("[mcp_servers.").append(name).append(".env]").append(eol)
                            .append("GITHUB_TOKEN = ").append(str(rnd, envSecret)).append(eol);
                }
            } else {
                String user = secret(rnd);
                String query = secret(rnd);
                String bearer = secret(rnd);
                String header = secret(rnd);
                secrets.addAll(List.of(user, query, bearer, header));
                t.append("url = \"https://u:").append(user).append("@mcp.example.com/mcp?token=").append(query)
                        .append("&v=2\"").append(eol);
                plain.add("mcp.example.com/mcp?token=");
                t.append("bearer_token_env_var = \"GITHUB_TOKEN\"").append(eol);
                plain.add("\"GITHUB_TOKEN\"");
                t.append("http_headers = { Authorization = \"Bearer ").append(bearer).append("\", X-Api-Key = ")
                        .append(rnd.nextBoolean() ? "'" + header + "'" : "\"" + header + "\"").append(" }").append(eol);
                t.append("env_http_headers = { X-From-Env = \"API_TOKEN\" }").append(eol);
                plain.add("\"API_TOKEN\"");
            }
            t.append("startup_timeout_sec = 10.0").append(eol);
            plain.add("startup_timeout_sec = 10.0");
        }
        if (rnd.nextBoolean()) {
            String s = secret(rnd);
            secrets.add(s);
            t.append(eol).append("[shell_environment_policy]").append(eol).append("set = { PGPASSWORD = \"").append(s)
                    .append("\" }").append(eol);
        }
        t.append(eol).append("[features]").append(eol).append("unified_exec = true").append(eol);
        plain.add("unified_exec = true");
        return new Generated(t.toString(), secrets, plain);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
