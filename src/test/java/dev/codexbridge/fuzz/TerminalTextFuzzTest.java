package dev.codexbridge.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.codexbridge.cli.TerminalTextAccess;
import dev.codexbridge.internal.UntrustedText;
import dev.codexbridge.json.Json;
import java.util.Map;

/**
 * The CLI's one renderer of codex's text for a terminal, on any text (and any split of it into
 * streamed pieces): the output holds no control character (C0, DEL, C1, line separators, bidi
 * controls, every format character, tags beyond the BMP among them, lone surrogates; the multi-line
 * form keeps newline and tab); text without those or backslashes
 * passes unchanged; and it decodes back to the input, so escaping is injective — two different
 * texts never look the same — also when the pieces are escaped one by one. The JSON form parses
 * to the same value and holds no control either.
 */
class TerminalTextFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void escapeIsVisibleAndInjective(FuzzedDataProvider data) {
        boolean lines = data.consumeBoolean();
        int split = data.consumeInt(0, 64);
        String text = data.consumeRemainingAsString();
        String out = render(text, lines);
        // judged by code point, as the renderer judges: a format character outside the BMP (a tag) counts too
        out.codePoints().forEach(c -> {
            if (UntrustedText.isControl(c) && !(lines && (c == '\n' || c == '\t'))) {
                throw new AssertionError(String.format("U+%04X left in %s", c, out));
            }
        });
        boolean plain = text.codePoints().noneMatch(c -> c == '\\' || UntrustedText.isControl(c));
        if (plain && !out.equals(text)) {
            throw new AssertionError("printable text changed: " + text + " -> " + out);
        }
        if (!decode(out).equals(text)) {
            throw new AssertionError("does not decode back: " + text + " -> " + out + " -> " + decode(out));
        }
        int at = Math.min(split, text.length());
        String pieces = render(text.substring(0, at), lines) + render(text.substring(at), lines);
        if (!decode(pieces).equals(text)) {
            throw new AssertionError("pieces do not decode back: " + text + " -> " + pieces);
        }
        String json = TerminalTextAccess.json(Json.write(Map.of("t", text)));
        if (json.chars().anyMatch(c -> TerminalTextAccess.isControl((char) c))
                || !Json.parse(json).path("t").asText().equals(text)) {
            throw new AssertionError("JSON form wrong: " + json);
        }
    }

    private static String render(String text, boolean lines) {
        return lines ? TerminalTextAccess.escapeLines(text) : TerminalTextAccess.escape(text);
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
            char n = s.charAt(i + 1);
            switch (n) {
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
                    continue; // a lone backslash: the next character is read on its own
                }
            }
            i++;
        }
        return sb.toString();
    }
}
