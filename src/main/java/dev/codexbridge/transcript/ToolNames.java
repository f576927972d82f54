package dev.codexbridge.transcript;

import dev.codexbridge.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The function names of the transcript: valid OpenAI function names ({@code ^[a-zA-Z0-9_-]{1,64}$},
 * which Chat Completions and Responses enforce), deterministic, and distinct for distinct tools.
 *
 * <p>A name is its parts joined by {@code __}: {@code mcp__<server>__<tool>} for an MCP tool,
 * {@code <namespace>__<tool>} or {@code <tool>} for a dynamic tool, {@code collab__<tool>} for a
 * sub-agent tool; codex's built-in tools keep their names ({@code exec_command}, {@code apply_patch},
 * {@code web_search}, {@code view_image}, {@code image_generation}). The joined name is used as it
 * is when every part is <em>plain</em> (letters, digits, {@code -}, single {@code _} between them),
 * it fits in 64 characters, it does not end like a hashed name, and a dynamic tool's name does not
 * take a built-in's name or the {@code mcp}/{@code collab} prefix. Otherwise every character outside
 * {@code [A-Za-z0-9_-]} becomes {@code _}, the result is cut to 55 characters and {@code _} plus 8
 * hex digits of the SHA-256 of the original ({@code ["mcp", server, tool]},
 * {@code ["dynamic", namespace, tool]} or {@code ["collab", tool]} as JSON) is appended. Plain
 * parts split back unambiguously on {@code __}, and a hashed name always ends in {@code _<8 hex>},
 * so two tools never share a name (short of a deliberately crafted 32-bit hash collision).
 * Decision 0011 says why.
 *
 * <p>The original names stay on each call: {@link TranscriptMessage.ToolCall#source()}.
 */
public final class ToolNames {
    /** What OpenAI's APIs accept as a function name. */
    public static final Pattern VALID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    public static final int MAX_LENGTH = 64;

    private static final Pattern PLAIN_PART = Pattern.compile("[A-Za-z0-9-]+(_[A-Za-z0-9-]+)*");
    private static final Pattern HASHED_END = Pattern.compile(".*_[0-9a-f]{8}");
    /** A character a function name or call id may not hold. */
    static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9_-]");
    private static final int HASH_CHARS = 8;
    private static final Set<String> BUILT_IN = Set.of("exec_command", "apply_patch", "web_search", "view_image",
            "image_generation");
    private static final Set<String> RESERVED_FIRST_PARTS = Set.of("mcp", "collab");

    private ToolNames() {
    }

    /** Whether {@code name} is a valid OpenAI function name. */
    public static boolean isValid(@Nullable String name) {
        return name != null && VALID.matcher(name).matches();
    }

    /** The transcript name of tool {@code tool} of MCP server {@code server}: {@code mcp__<server>__<tool>}. */
    public static String mcp(String server, String tool) {
        return name(List.of("mcp", orEmpty(server), orEmpty(tool)), List.of("mcp", orEmpty(server), orEmpty(tool)), false);
    }

    /**
     * The transcript name of a dynamic tool: {@code <tool>}, or {@code <namespace>__<tool>} when it
     * has a namespace ({@code null} or empty: none).
     */
    public static String dynamic(@Nullable String namespace, String tool) {
        String ns = orEmpty(namespace);
        List<String> parts = ns.isEmpty() ? List.of(orEmpty(tool)) : List.of(ns, orEmpty(tool));
        return name(parts, List.of("dynamic", ns, orEmpty(tool)), true);
    }

    /** The transcript name of a sub-agent tool ({@code collabAgentToolCall}'s {@code tool}): {@code collab__<tool>}. */
    public static String collab(String tool) {
        return name(List.of("collab", orEmpty(tool)), List.of("collab", orEmpty(tool)), false);
    }

    private static String name(List<String> parts, List<String> original, boolean dynamic) {
        String joined = String.join("__", parts);
        boolean plain = parts.stream().allMatch(p -> PLAIN_PART.matcher(p).matches());
        boolean reserved = dynamic && (BUILT_IN.contains(joined)
                || parts.size() > 1 && RESERVED_FIRST_PARTS.contains(parts.get(0)));
        if (plain && !reserved && joined.length() <= MAX_LENGTH && !HASHED_END.matcher(joined).matches()) {
            return joined;
        }
        String cleaned = UNSAFE.matcher(joined).replaceAll("_");
        int keep = MAX_LENGTH - 1 - HASH_CHARS;
        if (cleaned.length() > keep) {
            cleaned = cleaned.substring(0, keep);
        }
        return cleaned + "_" + sha256(Json.write(original)).substring(0, HASH_CHARS);
    }

    static String sha256(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder(64);
            for (byte b : d) {
                sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
