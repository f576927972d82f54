package dev.codexbridge.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.support.HostileText;

/**
 * What the library makes of text it did not write before a log line or an exception message
 * shows it, on any text with a secret-shaped value set apart by spaces somewhere in it: no
 * control character is left (C0, DEL, C1, separators, bidi and other format characters, lone
 * surrogates); the escaped text reads back to the input, so escaping is injective; printable
 * text without backslashes passes unchanged; and the secret is masked whatever surrounds it.
 */
class UntrustedTextFuzzTest {
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String[] FORMS = {
        "sk-%s", "sk-proj-%s", "ghp_%s", "github_pat_%s", "xoxb-%s", "Bearer %s", "bearer\t%s", "Authorization: Basic %s",
        "authorization=%s", "api_key=%s", "OPENAI_API_KEY=%s", "token: %s", "\"password\": \"%s\"", "secret='%s'",
    };

    @FuzzTest(maxDuration = "30s")
    void untrustedTextIsVisibleInjectiveAndMasked(FuzzedDataProvider data) {
        String form = data.pickValue(FORMS);
        int n = data.consumeInt(16, 40);
        byte[] random = data.consumeBytes(n);
        StringBuilder body = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            body.append(ALNUM.charAt(((i < random.length ? random[i] : i) & 0xff) % ALNUM.length()));
        }
        String before = data.consumeString(300);
        String after = data.consumeRemainingAsString();
        String text = before + " " + form.replace("%s", body) + " " + after;

        String escaped = UntrustedText.escape(text);
        noControlIn(escaped, text);
        if (!decode(escaped).equals(text)) {
            throw new AssertionError("does not read back: " + escaped);
        }
        boolean plain = text.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '\\');
        if (plain && !escaped.equals(text)) {
            throw new AssertionError("printable text changed: " + text + " -> " + escaped);
        }

        String shown = UntrustedText.of(text);
        noControlIn(shown, text);
        // the text around may hold the same characters (even as an escape's letters): then it proves nothing
        String prefix = body.substring(0, 8);
        boolean elsewhere = UntrustedText.escape(before).contains(prefix) || UntrustedText.escape(after).contains(prefix);
        if (!elsewhere && shown.contains(prefix)) {
            throw new AssertionError("secret " + body + " shows in " + shown);
        }
    }

    private static void noControlIn(String out, String from) {
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            boolean lone = Character.isHighSurrogate(c) ? i + 1 >= out.length() || !Character.isLowSurrogate(out.charAt(i + 1))
                    : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(out.charAt(i - 1)));
            if (HostileText.isControl(c) || lone) {
                throw new AssertionError(String.format("U+%04X left in %s (from %s)", (int) c, out, UntrustedText.escape(from)));
            }
        }
    }

    /** The reading the escaping promises: \\ \n \r \t \\uXXXX, any other backslash as itself. */
    private static String decode(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                sb.append(c);
                continue;
            }
            char next = s.charAt(i + 1);
            switch (next) {
                case '\\' -> sb.append('\\');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (i + 6 > s.length()) {
                        throw new AssertionError("cut \\u escape in " + s);
                    }
                    sb.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                    i += 4;
                }
                default -> {
                    sb.append(c);
                    continue;
                }
            }
            i++;
        }
        return sb.toString();
    }
}
