package dev.codexbridge.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a person may see of a {@code config.toml}: the same text, line for line, with every value
 * that may be a credential replaced by {@code ***}. The migration report's diff is made from it,
 * so no rendering of a report (text, JSON, {@code toString}) carries a secret, while the file
 * itself gets the real values. Masked are:
 *
 * <ul>
 *   <li>every string under a key or table named {@code env}, {@code http_headers} or
 *       {@code headers} (and codex's {@code shell_environment_policy.set}), so
 *       {@code env = { GITHUB_TOKEN = "***" }};</li>
 *   <li>every string of a key named like a credential ({@code api_key}, {@code *_token},
 *       {@code password}, {@code secret}, {@code authorization}, ...), except keys that name a
 *       variable ({@code bearer_token_env_var}, {@code env_vars}, {@code env_http_headers});</li>
 *   <li>in every other string and in comments, credential-shaped parts: well-known token
 *       prefixes ({@code sk-}, {@code ghp_}, {@code github_pat_}, {@code xoxb-}, {@code AKIA}, ...),
 *       {@code Bearer}/{@code Basic} credentials, a URL's user info, credential-named assignments
 *       ({@code --api-key=...}, {@code ?token=...}, {@code PASSWORD=...}) and the argument after a
 *       {@code --token}-style flag in an array.</li>
 * </ul>
 *
 * <p>Only string contents change (delimiters, keys, comments' structure and line breaks stay), so
 * the masked text has as many lines as the input and, for valid TOML, is TOML with the same keys.
 * From a point it cannot follow (not valid TOML) it masks everything but line breaks.
 */
final class SecretMask {
    static final String MASK = "***";

    /** Nothing hidden (keys), everything hidden, or only credential-shaped parts. */
    private enum Mode { NONE, FULL, SHAPE }

    private static final Set<String> SECRET_TABLES = Set.of("env", "http_headers", "headers");
    private static final Set<String> VARIABLE_NAMES = Set.of("bearer_token_env_var", "env_vars", "env_http_headers");
    private static final String CREDENTIAL_WORD = "(?:token|secret|passw|pwd|api[_-]?key|apikey|private[_-]?key|credential|authorization|cookie)";
    private static final Pattern CREDENTIAL_NAME = Pattern.compile("(?i).*" + CREDENTIAL_WORD + ".*");
    /** Keys that hold where a credential is, not the credential. */
    private static final Pattern LOCATION_NAME = Pattern.compile("(?i).*(?:_env_var|_var|_vars|_env|_file|_path)");
    private static final Pattern CREDENTIAL_FLAG = Pattern.compile("(?i)-{1,2}[a-z0-9_.-]*" + CREDENTIAL_WORD + "[a-z0-9_.-]*");

    /** Credential-shaped parts of free text: each replaces its secret part with {@code $1***}. */
    private static final List<Pattern> SHAPES = List.of(
            Pattern.compile("(?<![A-Za-z0-9])(sk-(?:proj-|ant-|live-|test-)?|sk_live_|sk_test_|rk_live_|gh[pousr]_|github_pat_"
                    + "|glpat-|xox[abprse]-|hf_|AKIA|AIza|npm_|pypi-)[A-Za-z0-9_\\-]{6,}"),
            Pattern.compile("(?i)\\b((?:bearer|basic)\\s+)[^\\s\"'\\\\]{4,}"),
            Pattern.compile("(://)[^/@\\s\"'\\\\]+(?=@)"),
            Pattern.compile("(?i)((?:^|[^A-Za-z0-9])[A-Za-z0-9_.\\-]*" + CREDENTIAL_WORD
                    + "[A-Za-z0-9_.\\-]*[\"']?\\s*[=:]\\s*[\"']?)[^\\s\"'\\\\,;&#}]{3,}"),
            Pattern.compile("(?i)([?&;](?:key|sig|signature|code|auth|access_token)=)[^\\s\"'\\\\&#]+"));

    private SecretMask() {
    }

    /** {@code toml} with its secrets masked; never throws. */
    static String mask(String toml) {
        Scanner sc = new Scanner(toml);
        try {
            sc.document();
            return sc.out.toString();
        } catch (RuntimeException e) {
            return maskEverything(toml); // a scanner bug must not show what it could not follow
        }
    }

    /** Whether {@code toml} holds anything {@link #mask} hides. */
    static boolean hasSecrets(String toml) {
        return !mask(toml).equals(toml);
    }

    private static String maskEverything(String text) {
        return text.replaceAll("[^\\r\\n]+", MASK);
    }

    private static Mode decide(List<String> path) {
        if (path.isEmpty()) {
            return Mode.SHAPE;
        }
        List<String> lower = path.stream().map(k -> k.toLowerCase(Locale.ROOT)).toList();
        if (lower.stream().anyMatch(VARIABLE_NAMES::contains)) {
            return Mode.SHAPE; // names of variables, shown; a token pasted there by mistake still has its shape
        }
        if (lower.stream().anyMatch(SECRET_TABLES::contains)
                || lower.contains("shell_environment_policy") && lower.contains("set")) {
            return Mode.FULL;
        }
        String last = lower.get(lower.size() - 1);
        return CREDENTIAL_NAME.matcher(last).matches() && !LOCATION_NAME.matcher(last).matches() ? Mode.FULL : Mode.SHAPE;
    }

    private static String masked(String raw, Mode mode) {
        return switch (mode) {
            case NONE -> raw;
            case FULL -> maskEverything(raw);
            case SHAPE -> shapes(raw);
        };
    }

    private static String shapes(String text) {
        String out = text;
        for (Pattern p : SHAPES) {
            Matcher m = p.matcher(out);
            out = m.replaceAll(r -> Matcher.quoteReplacement(r.group(1) + MASK));
        }
        return out;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** Thrown where the text is not the TOML the scanner follows; the rest is then masked whole. */
    private static final class Lost extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Lost() {
            super(null, null, false, false);
        }
    }

    /** A single pass over the text, copying it to {@code out} with string contents masked. */
    private static final class Scanner {
        private final String s;
        private final StringBuilder out;
        private int i;
        private List<String> table = List.of();

        Scanner(String s) {
            this.s = s;
            this.out = new StringBuilder(s.length());
        }

        void document() {
            try {
                while (i < s.length()) {
                    char c = s.charAt(i);
                    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                        copy(1);
                    } else if (c == '#') {
                        comment();
                    } else if (c == '[') {
                        header();
                    } else {
                        keyValue(table);
                    }
                }
            } catch (Lost | IndexOutOfBoundsException lost) {
                out.append(maskEverything(s.substring(Math.min(i, s.length()))));
                i = s.length();
            }
        }

        private void copy(int n) {
            out.append(s, i, i + n);
            i += n;
        }

        private boolean at(String token) {
            return s.startsWith(token, i);
        }

        private char peek() {
            if (i >= s.length()) {
                throw new Lost();
            }
            return s.charAt(i);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw new Lost();
            }
            copy(1);
        }

        private void comment() {
            int end = i;
            while (end < s.length() && s.charAt(end) != '\n' && s.charAt(end) != '\r') {
                end++;
            }
            out.append(shapes(s.substring(i, end)));
            i = end;
        }

        private void inlineSpace() {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                copy(1);
            }
        }

        /** Spaces, line breaks and comments, as arrays allow between their elements. */
        private void space() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                    copy(1);
                } else if (c == '#') {
                    comment();
                } else {
                    return;
                }
            }
        }

        private void header() {
            copy(1);
            boolean arrayTable = at("[");
            if (arrayTable) {
                copy(1);
            }
            List<String> keys = keys();
            inlineSpace();
            expect(']');
            if (arrayTable) {
                expect(']');
            }
            table = keys;
        }

        private void keyValue(List<String> base) {
            List<String> keys = keys();
            inlineSpace();
            expect('=');
            inlineSpace();
            List<String> path = concat(base, keys);
            value(path, decide(path));
        }

        /** A dotted key, copied as it is; its parts (quotes off) for deciding what to mask. */
        private List<String> keys() {
            List<String> keys = new ArrayList<>();
            while (true) {
                inlineSpace();
                char c = peek();
                if (c == '"' || c == '\'') {
                    keys.add(string(String.valueOf(c), Mode.NONE));
                } else {
                    int start = i;
                    while (i < s.length() && isBare(s.charAt(i))) {
                        i++;
                    }
                    if (i == start) {
                        throw new Lost();
                    }
                    out.append(s, start, i);
                    keys.add(s.substring(start, i));
                }
                inlineSpace();
                if (!at(".")) {
                    return keys;
                }
                copy(1);
            }
        }

        private static boolean isBare(char c) {
            return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-';
        }

        /** One value; returns a string's raw contents (else null) so an array can spot a credential flag. */
        private String value(List<String> path, Mode mode) {
            char c = peek();
            if (at("\"\"\"")) {
                return string("\"\"\"", mode);
            }
            if (at("'''")) {
                return string("'''", mode);
            }
            if (c == '"' || c == '\'') {
                return string(String.valueOf(c), mode);
            }
            if (c == '[') {
                array(path, mode);
                return null;
            }
            if (c == '{') {
                inlineTable(path, mode);
                return null;
            }
            int start = i;
            while (i < s.length() && ",]}#\r\n".indexOf(s.charAt(i)) < 0) {
                i++;
            }
            if (i == start) {
                throw new Lost();
            }
            out.append(s, start, i); // a number, boolean or date: nothing to hide
            return null;
        }

        private void array(List<String> path, Mode mode) {
            copy(1);
            boolean afterFlag = false;
            while (true) {
                space();
                if (peek() == ']') {
                    copy(1);
                    return;
                }
                String raw = value(path, mode == Mode.SHAPE && afterFlag ? Mode.FULL : mode);
                afterFlag = raw != null && CREDENTIAL_FLAG.matcher(raw).matches();
                space();
                if (peek() == ',') {
                    copy(1);
                } else {
                    expect(']');
                    return;
                }
            }
        }

        private void inlineTable(List<String> path, Mode mode) {
            copy(1);
            while (true) {
                inlineSpace();
                if (peek() == '}') {
                    copy(1);
                    return;
                }
                List<String> inner = concat(path, keys());
                inlineSpace();
                expect('=');
                inlineSpace();
                value(inner, mode == Mode.SHAPE ? decide(inner) : mode);
                inlineSpace();
                if (peek() == ',') {
                    copy(1);
                } else {
                    expect('}');
                    return;
                }
            }
        }

        /** A string opened by {@code delim} at {@code i}: delimiters copied, contents masked; returns the raw contents. */
        private String string(String delim, Mode mode) {
            boolean basic = delim.charAt(0) == '"';
            boolean multi = delim.length() == 3;
            copy(delim.length());
            int start = i;
            int end;
            while (true) {
                if (i >= s.length() || !multi && (s.charAt(i) == '\n' || s.charAt(i) == '\r')) {
                    i = start; // the unfinished contents are masked with the rest
                    throw new Lost();
                }
                char c = s.charAt(i);
                if (basic && c == '\\') {
                    i += 2;
                } else if (multi && s.startsWith(delim, i)) {
                    int run = 0;
                    while (i + run < s.length() && s.charAt(i + run) == delim.charAt(0) && run < 5) {
                        run++;
                    }
                    end = i + run - 3; // up to two quotes before the closing three belong to the contents
                    i += run;
                    break;
                } else if (!multi && c == delim.charAt(0)) {
                    end = i;
                    i++;
                    break;
                } else {
                    i++;
                }
            }
            String raw = s.substring(start, end);
            out.append(masked(raw, mode)).append(delim);
            return raw;
        }
    }
}
