package dev.codexbridge.process;

import dev.codexbridge.BuildInfo;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** A codex CLI version, {@code major.minor.patch}, ordered numerically. */
public record CodexVersion(int major, int minor, int patch) implements Comparable<CodexVersion> {
    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)");
    /** Oldest codex whose app-server v2 protocol this library speaks. */
    public static final CodexVersion MINIMUM_SUPPORTED = new CodexVersion(0, 125, 0);
    /** The version the project is built and tested against (from the build). */
    public static final CodexVersion PINNED = parse(BuildInfo.pinnedCodexVersion())
            .orElseThrow(() -> new IllegalStateException("codex-bridge.properties lacks codex.pinnedVersion"));

    private static final Comparator<CodexVersion> ORDER = Comparator.comparingInt(CodexVersion::major)
            .thenComparingInt(CodexVersion::minor)
            .thenComparingInt(CodexVersion::patch);

    public CodexVersion {
        if (major < 0 || minor < 0 || patch < 0) {
            throw new IllegalArgumentException("version parts must be >= 0");
        }
    }

    /** The first {@code N.N.N} in {@code text} (e.g. {@code "codex-cli 0.169.0"}), if any. */
    public static Optional<CodexVersion> parse(@Nullable String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = VERSION.matcher(text);
        if (!m.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new CodexVersion(
                    Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The codex version in {@code initialize}'s {@code userAgent} ({@code originator/0.169.0 (Linux
     * ...) ...}, e.g. {@code CodexClient.serverInfo().userAgent()}): the first {@code N.N.N} after
     * the originator, which is the host's client name; empty when there is none (a fake, a proxy).
     */
    public static Optional<CodexVersion> fromUserAgent(@Nullable String userAgent) {
        if (userAgent == null) {
            return Optional.empty();
        }
        int slash = userAgent.indexOf('/');
        return parse(slash < 0 ? userAgent : userAgent.substring(slash + 1));
    }

    public boolean isAtLeast(CodexVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(CodexVersion other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
