package dev.codexbridge.process;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Renders TOML 1.0 keys and values. Written by hand because no TOML library for Java both keeps a
 * user's file byte for byte and emits exactly the escapes TOML 1.0 requires (see
 * {@code docs/decisions/0006-config-migration.md}); the migration's tests validate every result
 * with tomlj. In the library rather than the migration artifact because writing a codex home's
 * {@code config.toml} (the test kit, a host's own setup) needs no parser (decision 0010).
 */
public final class Toml {
    private static final Pattern BARE_KEY = Pattern.compile("[A-Za-z0-9_-]+");

    private Toml() {
    }

    /** A key: bare when it is ASCII letters, digits, {@code _} or {@code -}; otherwise a quoted basic string. */
    public static String key(String key) {
        return BARE_KEY.matcher(key).matches() ? key : string(key);
    }

    /**
     * A basic string: {@code "} and {@code \} escaped, every control character escaped (the short
     * forms where TOML has them, {@code \}{@code uXXXX} otherwise), other characters kept as they are.
     *
     * @throws IllegalArgumentException for an unpaired surrogate, which no TOML (UTF-8) file can hold
     */
    public static String string(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    sb.append(c).append(s.charAt(++i));
                    continue;
                }
                throw new IllegalArgumentException("unpaired surrogate U+" + hex(c) + " at index " + i);
            }
            if (Character.isLowSurrogate(c)) {
                throw new IllegalArgumentException("unpaired surrogate U+" + hex(c) + " at index " + i);
            }
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append("\\u").append(hex(c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /**
     * A value: String, Boolean, integral Number, Double/Float (finite), List, or Map (inline
     * table, in the map's iteration order).
     */
    public static String value(Object v) {
        if (v instanceof String s) {
            return string(s);
        }
        if (v instanceof Boolean b) {
            return b.toString();
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return v.toString();
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException("not a finite number: " + d);
            }
            String plain = BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        if (v instanceof List<?> list) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < list.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(value(list.get(i)));
            }
            return sb.append(']').toString();
        }
        if (v instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                return "{}";
            }
            StringBuilder sb = new StringBuilder("{ ");
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                sb.append(first ? "" : ", ").append(key(String.valueOf(e.getKey()))).append(" = ").append(value(e.getValue()));
                first = false;
            }
            return sb.append(" }").toString();
        }
        throw new IllegalArgumentException("no TOML form for " + (v == null ? "null" : v.getClass().getSimpleName()));
    }

    private static String hex(char c) {
        return String.format("%04X", (int) c);
    }
}
