package dev.codexbridge.rpc;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Parses a message whose string values run to megabytes (a command's whole output) with far less
 * transient memory than Jackson's tree reader, which holds such a string as UTF-16 segments, then
 * a builder, then the final string — about 4 bytes per character on top of the message itself.
 * Here each large string value is decoded straight from the message's bytes into one builder, the
 * rest of the message (now small) goes through Jackson with a placeholder, and the placeholder is
 * swapped for the string. The result equals {@code readTree} of the message; messages and strings
 * below the thresholds go to Jackson unchanged.
 */
final class LargeStringDecoder {
    static final int LINE_THRESHOLD = 1 << 20;
    static final int STRING_THRESHOLD = 64 << 10;

    private LargeStringDecoder() {
    }

    static JsonNode readTree(ObjectMapper mapper, byte[] b, int off, int len) throws IOException {
        return readTree(mapper, b, off, len, LINE_THRESHOLD, STRING_THRESHOLD);
    }

    static JsonNode readTree(ObjectMapper mapper, byte[] b, int off, int len, int lineThreshold, int stringThreshold)
            throws IOException {
        if (len < lineThreshold) {
            return mapper.readTree(b, off, len);
        }
        int end = off + len;
        List<int[]> large = new ArrayList<>();
        int i = off;
        while (i < end) {
            if (b[i] != '"') {
                i++;
                continue;
            }
            int j = i + 1;
            while (j < end && b[j] != '"') {
                j += b[j] == '\\' ? 2 : 1;
            }
            if (j >= end) {
                return mapper.readTree(b, off, len); // unterminated: let Jackson say what is wrong
            }
            if (j - i - 1 >= stringThreshold && !isKey(b, j + 1, end)) {
                large.add(new int[] {i, j});
            }
            i = j + 1;
        }
        if (large.isEmpty()) {
            return mapper.readTree(b, off, len);
        }
        String nonce = Long.toHexString(ThreadLocalRandom.current().nextLong());
        String tag = "\u0000large-string-" + nonce + "-";
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        // decoded only when found in the tree, so a string Jackson would never reach cannot fail the line
        Map<String, int[]> ranges = new HashMap<>();
        int from = off;
        for (int k = 0; k < large.size(); k++) {
            int[] lit = large.get(k);
            rest.write(b, from, lit[0] - from);
            rest.writeBytes(("\"\\u0000large-string-" + nonce + "-" + k + "\"").getBytes(StandardCharsets.US_ASCII));
            ranges.put(tag + k, lit);
            from = lit[1] + 1;
        }
        rest.write(b, from, end - from);
        JsonNode tree = mapper.readTree(rest.toByteArray());
        JsonNode whole = tree == null ? null : replacement(tree, b, ranges);
        return whole != null ? whole : tree;
    }

    /** A string followed by {@code :} is an object key; keys stay with Jackson. */
    private static boolean isKey(byte[] b, int from, int end) {
        for (int i = from; i < end; i++) {
            byte c = b[i];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return c == ':';
            }
        }
        return false;
    }

    /** The decoded string when {@code v} is a placeholder; else null, after substituting inside {@code v}. */
    private static JsonNode replacement(JsonNode v, byte[] b, Map<String, int[]> ranges) throws IOException {
        if (v.isTextual()) {
            int[] lit = ranges.get(v.textValue());
            if (lit != null) {
                return TextNode.valueOf(decode(b, lit[0] + 1, lit[1]));
            }
        } else if (v.isContainerNode()) {
            substitute(v, b, ranges);
        }
        return null;
    }

    private static void substitute(JsonNode node, byte[] b, Map<String, int[]> ranges) throws IOException {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                JsonNode r = replacement(f.getValue(), b, ranges);
                if (r != null) {
                    f.setValue(r);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int k = 0; k < array.size(); k++) {
                JsonNode r = replacement(array.get(k), b, ranges);
                if (r != null) {
                    array.set(k, r);
                }
            }
        }
    }

    /** The JSON string content in {@code b[from, to)} (between the quotes), unescaped. */
    static String decode(byte[] b, int from, int to) throws IOException {
        StringBuilder sb = new StringBuilder(to - from);
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer chars = CharBuffer.allocate(8192);
        int i = from;
        while (i < to) {
            int run = i;
            while (run < to && b[run] != '\\' && (b[run] & 0xff) >= 0x20) {
                run++;
            }
            if (run > i) {
                appendUtf8(utf8, chars, sb, b, i, run);
                i = run;
                continue;
            }
            if (b[i] != '\\') {
                throw new JsonParseException(null, "unescaped control character in a string");
            }
            if (i + 1 >= to) {
                throw new JsonParseException(null, "unfinished escape in a string");
            }
            byte e = b[i + 1];
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (i + 6 > to) {
                        throw new JsonParseException(null, "unfinished \\u escape in a string");
                    }
                    int code = 0;
                    for (int k = i + 2; k < i + 6; k++) {
                        int d = Character.digit(b[k], 16);
                        if (d < 0) {
                            throw new JsonParseException(null, "bad \\u escape in a string");
                        }
                        code = code * 16 + d;
                    }
                    sb.append((char) code);
                    i += 4;
                }
                default -> throw new JsonParseException(null, "unrecognized escape in a string");
            }
            i += 2;
        }
        return sb.toString();
    }

    private static void appendUtf8(CharsetDecoder utf8, CharBuffer chars, StringBuilder sb, byte[] b, int from, int to)
            throws IOException {
        boolean ascii = true;
        for (int k = from; k < to; k++) {
            if (b[k] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            for (int k = from; k < to; k++) {
                sb.append((char) b[k]);
            }
            return;
        }
        utf8.reset();
        ByteBuffer in = ByteBuffer.wrap(b, from, to - from);
        while (true) {
            CoderResult r = utf8.decode(in, chars, true);
            if (r.isError()) {
                throw new JsonParseException(null, "invalid UTF-8 in a string");
            }
            chars.flip();
            sb.append(chars);
            chars.clear();
            if (r.isUnderflow()) {
                r = utf8.flush(chars);
                chars.flip();
                sb.append(chars);
                chars.clear();
                return;
            }
        }
    }
}
