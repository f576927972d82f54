package dev.codexbridge.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tomlj.TomlParseError;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Parser errors told as where (line and column) and what kind, never with a piece of the input:
 * the parsers quote the offending token ({@code Unrecognized token 'ghp_…'}), and a malformed
 * host config or {@code config.toml} may hold a secret right there. Each parser's message is only
 * matched against known kinds, each with its own fixed wording; anything else is a "syntax error".
 */
final class ParseErrors {
    private ParseErrors() {
    }

    /** A kind of error: the parser's message matches {@code pattern}, the user reads {@code words}. */
    private record Kind(Pattern pattern, String words) {
        static Kind of(String regex, String words) {
            return new Kind(Pattern.compile(regex, Pattern.DOTALL), words);
        }
    }

    private static final List<Kind> JSON = List.of(
            Kind.of("^Unrecognized token.*", "unrecognized token (a value must be a quoted string, a number, an object, an array, true, false or null)"),
            Kind.of("^Unexpected end-of-input.*(?:closing quote|String value).*", "unexpected end of input inside a string"),
            Kind.of("^Unexpected end-of-input.*comment.*", "unexpected end of input inside a comment"),
            Kind.of("^Unexpected end-of-input.*", "unexpected end of input"),
            Kind.of("^Unrecognized character escape.*", "invalid escape sequence in a string"),
            Kind.of("^Illegal unquoted character.*", "control character in a string (it must be escaped)"),
            Kind.of("^Unexpected close marker.*", "a closing bracket that does not match the open one"),
            Kind.of("^Unexpected character.*double-quote to start field name.*", "expected a quoted key"),
            Kind.of("^Unexpected character.*comma to separate.*", "expected a comma"),
            Kind.of("^Unexpected character.*colon to separate.*", "expected a colon after a key"),
            Kind.of("^Unexpected character.*(?:numeric value|digit).*", "malformed number"),
            Kind.of("^Unexpected character.*", "unexpected character"),
            Kind.of("^(?:Invalid numeric value|Leading zeroes|Non-standard token|Invalid number).*", "malformed number"),
            Kind.of(".*out of range.*", "number out of range"),
            Kind.of("^Duplicate (?:field|Object property).*", "duplicate key"),
            Kind.of("^(?:Invalid UTF-8|Invalid UTF-32|Unexpected byte|Illegal character \\(code 0x).*", "not valid UTF-8"),
            Kind.of(".*[Nn]esting depth.*", "nested too deeply"),
            Kind.of(".*(?:String|Number|Name) value length.*", "a value too long"));

    private static final List<Kind> YAML = List.of(
            Kind.of("^could not find expected ':'.*", "a key without its ':'"),
            Kind.of("^mapping values are not allowed here.*", "a ':' where no mapping may start (quote the value?)"),
            Kind.of("^found unexpected end of stream.*", "unexpected end of input inside a quoted string"),
            Kind.of("^(?:found unknown escape character|expected escape sequence).*", "invalid escape sequence in a string"),
            Kind.of("^found character.*\\(TAB\\).*|^found a tab character.*", "a tab where YAML allows none (indent with spaces)"),
            Kind.of("^found character.*that cannot start any token.*", "a character that cannot start any token"),
            Kind.of("^expected <block end>.*", "expected the end of a block (check the indentation)"),
            Kind.of("^expected ',' or '\\]'.*", "a '[' list without its ']'"),
            Kind.of("^expected ',' or '\\}'.*", "a '{' mapping without its '}'"),
            Kind.of("^expected '<document start>'.*", "expected the start of a document"),
            Kind.of("^found undefined alias.*", "an alias to an undefined anchor"),
            Kind.of("^found duplicate anchor.*", "a duplicate anchor"),
            Kind.of("^found duplicate key.*", "duplicate key"),
            Kind.of("^expected alphabetic or numeric character.*", "an invalid anchor, alias or tag name"),
            Kind.of("^found unexpected ':'.*", "an unexpected ':'"),
            Kind.of(".*(?:special characters are not allowed|unacceptable code point).*", "a character YAML does not allow"),
            Kind.of("^Number of aliases.*", "too many aliases"),
            Kind.of(".*[Nn]esting [Dd]epth.*", "nested too deeply"),
            Kind.of(".*exceeds the limit.*", "the document is too large"));

    /** tomlj's fixed messages that hold no input; passed on as they are. */
    private static final Pattern TOML_FIXED = Pattern.compile(
            "Invalid (?:year|month|day|hour|minutes|seconds|nanoseconds) \\(valid range [0-9./]+\\)"
                    + "|(?:Integer|Float|Number) is too (?:large|small)|Empty table key|Invalid unicode escape sequence"
                    + "|Seconds are required in a time \\(TOML versions before 1\\.1\\.0\\)");
    /** Grammar words tomlj lists after "expected"; anything else is not repeated. */
    private static final Pattern TOML_EXPECTED_WORD = Pattern.compile(
            "an? [a-z][a-z -]*|end-of-input|[\\[\\]{}.=,'\"]{1,3}");
    private static final Pattern TOML_UNCLOSED = Pattern.compile(
            "; the (inline table|array) opened at line (\\d+), column (\\d+) is unclosed$");
    private static final Pattern TOML_FIRST_DEFINED = Pattern.compile("defined (?:as a literal array )?at line (\\d+), column (\\d+)");

    /** {@code line L, column C: kind} for a JSON error. */
    static String json(JsonProcessingException e) {
        return at(e.getLocation()) + kind(JSON, e.getOriginalMessage(), "syntax error");
    }

    /** {@code line L, column C: kind} for a YAML error (snakeyaml's problem mark when it has one). */
    static String yaml(JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                Mark m = marked.getProblemMark();
                return "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ": "
                        + kind(YAML, marked.getProblem(), "syntax error");
            }
        }
        String message = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getOriginalMessage();
        return at(e.getLocation()) + kind(YAML, message, kind(JSON, e.getOriginalMessage(), "syntax error"));
    }

    /** {@code line L, column C: kind} for a TOML error. */
    static String toml(TomlParseError e) {
        return "line " + e.position().line() + ", column " + e.position().column() + ": " + tomlKind(e.getMessage());
    }

    static String tomlKind(String message) {
        String m = message == null ? "" : message;
        if (TOML_FIXED.matcher(m).matches()) {
            return m;
        }
        if (m.startsWith("Unexpected ")) {
            String unclosed = "";
            Matcher u = TOML_UNCLOSED.matcher(m);
            if (u.find()) {
                unclosed = "; the " + u.group(1) + " opened at line " + u.group(2) + ", column " + u.group(3) + " is unclosed";
                m = m.substring(0, u.start());
            }
            String what = m.startsWith("Unexpected end of line") ? "Unexpected end of line"
                    : m.startsWith("Unexpected end of input") ? "Unexpected end of input" : "Unexpected input";
            int at = m.lastIndexOf(", expected ");
            String expected = at < 0 ? null : m.substring(at + ", expected ".length());
            return what + (expected != null && grammarWords(expected) ? ", expected " + expected : "") + unclosed;
        }
        if (m.startsWith("Invalid escape sequence") || m.startsWith("The escape sequence")) {
            return "invalid escape sequence in a string";
        }
        if (m.contains("defined") || m.contains("is not a table") || m.contains("is not an array")
                || m.contains("cannot be extended")) {
            Matcher first = TOML_FIRST_DEFINED.matcher(m);
            return "a key or table defined twice" + (first.find() ? " (first at line " + first.group(1) + ", column " + first.group(2) + ")" : "");
        }
        return "syntax error";
    }

    /** Whether an "expected ..." list is made of grammar words only ({@code a value}, {@code ]}, {@code end-of-input}). */
    private static boolean grammarWords(String expected) {
        for (String part : expected.split(", or |, | or ")) {
            if (!TOML_EXPECTED_WORD.matcher(part.strip()).matches()) {
                return false;
            }
        }
        return true;
    }

    private static String at(JsonLocation loc) {
        if (loc == null || loc.getLineNr() < 1) {
            return "";
        }
        return "line " + loc.getLineNr() + (loc.getColumnNr() < 1 ? "" : ", column " + loc.getColumnNr()) + ": ";
    }

    private static String kind(List<Kind> kinds, String message, String otherwise) {
        if (message == null) {
            return otherwise;
        }
        for (Kind k : kinds) {
            if (k.pattern().matcher(message).matches()) {
                return k.words();
            }
        }
        return otherwise;
    }
}
