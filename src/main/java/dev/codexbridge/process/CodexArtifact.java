package dev.codexbridge.process;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The pinned codex as a Maven artifact on the class path ({@code dev.codexbridge:codex-bridge-codex-PLATFORM},
 * decision 0042): codex's npm platform package unchanged under
 * {@code META-INF/codex-bridge/codex/PLATFORM/files/}, described by {@code codex.properties} beside it
 * (version, entry point, and every file's size, SHA-256 and executable bit, recorded when the artifact
 * was built). {@link CodexArtifactCache} unpacks it into a folder codex can run from.
 */
public final class CodexArtifact {
    /** Where an artifact's files live on the class path. */
    public static final String RESOURCE_ROOT = "META-INF/codex-bridge/codex/";
    private static final String MANIFEST = "codex.properties";
    private static final int MAX_FILES = 10_000;

    /** One file of the package: its path under the package, size, SHA-256 (hex) and whether it runs. */
    public record FileEntry(String path, long size, String sha256, boolean executable) {
    }

    private final ClassLoader loader;
    private final String platform;
    private final String version;
    private final String entrypoint;
    private final List<FileEntry> files;
    private final String manifestSha256;

    private CodexArtifact(ClassLoader loader, String platform, String version, String entrypoint,
            List<FileEntry> files, String manifestSha256) {
        this.loader = loader;
        this.platform = platform;
        this.version = version;
        this.entrypoint = entrypoint;
        this.files = List.copyOf(files);
        this.manifestSha256 = manifestSha256;
    }

    /**
     * The npm name of the platform this JVM runs on ({@code linux-x64}, {@code linux-arm64},
     * {@code darwin-x64}, {@code darwin-arm64}, {@code win32-x64}, {@code win32-arm64}), or empty
     * where codex publishes no build.
     */
    public static Optional<String> currentPlatform() {
        return platformOf(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    static Optional<String> platformOf(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String system = os.startsWith("linux") ? "linux"
                : os.startsWith("mac") || os.startsWith("darwin") ? "darwin"
                : os.startsWith("windows") ? "win32" : null;
        String arch = switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x64";
            case "aarch64", "arm64" -> "arm64";
            default -> null;
        };
        return system == null || arch == null ? Optional.empty() : Optional.of(system + "-" + arch);
    }

    /** The artifact for {@code platform} on {@code loader}'s class path, if there is one. */
    public static Optional<CodexArtifact> find(ClassLoader loader, String platform) {
        String prefix = RESOURCE_ROOT + platform + "/";
        byte[] manifest;
        try (InputStream in = loader.getResourceAsStream(prefix + MANIFEST)) {
            if (in == null) {
                return Optional.empty();
            }
            manifest = in.readNBytes(4 * 1024 * 1024);
        } catch (IOException e) {
            throw new CodexProcessException("cannot read " + prefix + MANIFEST + " from the class path: " + e.getMessage(), e);
        }
        return Optional.of(parse(loader, platform, manifest));
    }

    static CodexArtifact parse(ClassLoader loader, String platform, byte[] manifest) {
        String where = RESOURCE_ROOT + platform + "/" + MANIFEST;
        Map<String, String> props = new LinkedHashMap<>();
        for (String line : new String(manifest, StandardCharsets.UTF_8).split("\n")) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                props.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        String version = required(props, "version", where);
        String entrypoint = required(props, "entrypoint", where);
        if (!platform.equals(props.get("platform"))) {
            throw new CodexProcessException(where + " names platform " + props.get("platform") + ", not " + platform);
        }
        int count;
        try {
            count = Integer.parseInt(required(props, "files", where));
        } catch (NumberFormatException e) {
            throw new CodexProcessException(where + ": files is not a number");
        }
        if (count < 1 || count > MAX_FILES) {
            throw new CodexProcessException(where + ": files=" + count + " (expected 1 to " + MAX_FILES + ")");
        }
        List<FileEntry> files = new ArrayList<>(count);
        boolean hasEntrypoint = false;
        for (int i = 0; i < count; i++) {
            String key = "file." + i + ".";
            String path = required(props, key + "path", where);
            // every path stays inside the unpack folder
            if (path.startsWith("/") || path.contains("\\") || path.contains("..") || path.contains(":")) {
                throw new CodexProcessException(where + ": refusing file path " + path);
            }
            String sha = required(props, key + "sha256", where).toLowerCase(Locale.ROOT);
            if (!sha.matches("[0-9a-f]{64}")) {
                throw new CodexProcessException(where + ": " + path + " has no SHA-256");
            }
            long size;
            try {
                size = Long.parseLong(required(props, key + "size", where));
            } catch (NumberFormatException e) {
                throw new CodexProcessException(where + ": " + path + " has no size");
            }
            files.add(new FileEntry(path, size, sha, Boolean.parseBoolean(props.get(key + "executable"))));
            hasEntrypoint |= path.equals(entrypoint);
        }
        if (!hasEntrypoint) {
            throw new CodexProcessException(where + ": the entry point " + entrypoint + " is not among its files");
        }
        return new CodexArtifact(loader, platform, version, entrypoint, files, sha256(manifest));
    }

    private static String required(Map<String, String> props, String key, String where) {
        String v = props.get(key);
        if (v == null || v.isEmpty()) {
            throw new CodexProcessException(where + " has no " + key + " (a damaged codex-bridge-codex artifact?)");
        }
        return v;
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** The file's bytes as the artifact carries them. */
    InputStream open(FileEntry file) throws IOException {
        String name = RESOURCE_ROOT + platform + "/files/" + file.path();
        @Nullable InputStream in = loader.getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is missing from the class path");
        }
        return in;
    }

    public String platform() {
        return platform;
    }

    public String version() {
        return version;
    }

    /** The executable's path inside the package, e.g. {@code bin/codex}. */
    public String entrypoint() {
        return entrypoint;
    }

    public List<FileEntry> files() {
        return files;
    }

    /** The SHA-256 of the manifest: it names this exact build of the artifact. */
    public String manifestSha256() {
        return manifestSha256;
    }

    /** The unpacked size in bytes. */
    public long size() {
        return files.stream().mapToLong(FileEntry::size).sum();
    }

    @Override
    public String toString() {
        return "codex-bridge-codex-" + platform + " (codex " + version + ")";
    }
}
