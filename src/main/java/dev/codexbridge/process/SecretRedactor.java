package dev.codexbridge.process;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Masks obvious secrets (API keys, bearer tokens, credential assignments) in text that may reach
 * logs or error messages, such as codex's stderr.
 */
public final class SecretRedactor {
    private static final String MASK = "***";

    private record Rule(Pattern pattern, String replacement) {
    }

    private static final List<Rule> RULES = List.of(
            new Rule(Pattern.compile("\\bsk-[A-Za-z0-9_\\-]{6,}"), "sk-" + MASK),
            new Rule(Pattern.compile("(?i)\\b(bearer\\s+)[A-Za-z0-9._~+/=\\-]{6,}"), "$1" + MASK),
            new Rule(Pattern.compile(
                    "(?i)\\b(authorization\\s*[:=]\\s*)(?!bearer\\b)(?:(?:basic|digest|token)\\s+)?[^\\s,;]+"),
                    "$1" + MASK),
            new Rule(Pattern.compile("\\bgh[pousr]_[A-Za-z0-9]{16,}"), MASK),
            new Rule(Pattern.compile("\\bxox[abprs]-[A-Za-z0-9\\-]{10,}"), MASK),
            new Rule(Pattern.compile("\\bAKIA[0-9A-Z]{16}\\b"), MASK),
            new Rule(Pattern.compile(
                    "(?i)\\b([A-Za-z0-9_]*(?:api[_-]?key|secret|token|password|passwd)[\"']?\\s*[:=]\\s*[\"']?)"
                            + "[^\\s\"',;}]{4,}"),
                    "$1" + MASK));

    private SecretRedactor() {
    }

    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        for (Rule rule : RULES) {
            out = rule.pattern.matcher(out).replaceAll(rule.replacement);
        }
        return out;
    }
}
