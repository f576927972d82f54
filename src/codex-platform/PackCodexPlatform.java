import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Build step of a codex-bridge-codex-PLATFORM module (run as a single-file program, so the module
 * needs no other module built first): fetches codex's npm platform package with npm itself
 * ({@code npm pack @openai/codex@VERSION-PLATFORM}, npm's own registry settings and cache), takes
 * its {@code vendor/<target>/} tree and writes it under
 * {@code OUT/META-INF/codex-bridge/codex/PLATFORM/files/} with {@code codex.properties} beside it:
 * version, platform, target, entry point and every file's size, SHA-256 and executable bit, which the
 * library checks when it unpacks (dev.codexbridge.process.CodexArtifact).
 *
 * <p>{@code --version X --platform P --out DIR --work DIR [--offline=true|false]}. Skips everything when OUT already holds
 * this version's files at their recorded sizes, so a second build in the same tree fetches nothing.
 */
public final class PackCodexPlatform {
    private static final String ROOT = "META-INF/codex-bridge/codex/";
    private static final long NPM_TIMEOUT_MINUTES = 15;

    private record Entry(String path, long size, String sha256, boolean executable) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq > 0) {
                opts.put(args[i].substring(0, eq), args[i].substring(eq + 1));
            } else if (i + 1 < args.length) {
                opts.put(args[i], args[++i]);
            }
        }
        String version = require(opts, "--version");
        String platform = require(opts, "--platform");
        Path out = Paths.get(require(opts, "--out")).toAbsolutePath();
        Path work = Paths.get(require(opts, "--work")).toAbsolutePath();
        boolean offline = Boolean.parseBoolean(opts.getOrDefault("--offline", "false"));
        Path dir = out.resolve(ROOT + platform);
        if (upToDate(dir, version)) {
            System.out.println("codex " + version + " " + platform + ": up to date in " + dir);
            return;
        }
        Files.createDirectories(work);
        String tgzName = "openai-codex-" + version + "-" + platform + ".tgz";
        Path tgz = work.resolve(tgzName);
        try {
            if (!Files.isRegularFile(tgz)) {
                npmPack(version, platform, work, offline);
            }
            unpack(tgz, version, platform, dir);
        } catch (IOException e) {
            // a half-written download from an earlier build: fetch it once more
            System.out.println("re-fetching " + tgzName + " (" + e.getMessage() + ")");
            Files.deleteIfExists(tgz);
            npmPack(version, platform, work, offline);
            unpack(tgz, version, platform, dir);
        }
    }

    private static String require(Map<String, String> opts, String name) {
        String v = opts.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("usage: PackCodexPlatform --version X --platform P --out DIR --work DIR (missing " + name + ")");
        }
        return v;
    }

    private static boolean upToDate(Path dir, String version) throws IOException {
        Path manifest = dir.resolve("codex.properties");
        if (!Files.isRegularFile(manifest)) {
            return false;
        }
        Map<String, String> props = read(manifest);
        if (!version.equals(props.get("version"))) {
            return false;
        }
        int count = Integer.parseInt(props.getOrDefault("files", "0"));
        for (int i = 0; i < count; i++) {
            Path f = dir.resolve("files").resolve(props.get("file." + i + ".path"));
            if (!Files.isRegularFile(f) || Files.size(f) != Long.parseLong(props.get("file." + i + ".size"))) {
                return false;
            }
        }
        return count > 0;
    }

    private static Map<String, String> read(Path manifest) throws IOException {
        Map<String, String> props = new TreeMap<>();
        for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("#")) {
                props.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return props;
    }

    private static void npmPack(String version, String platform, Path work, boolean offline) throws IOException, InterruptedException {
        String npm = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows") ? "npm.cmd" : "npm";
        String spec = "@openai/codex@" + version + "-" + platform;
        System.out.println("fetching " + spec + " with npm ...");
        // npm's cache first (a second clone on the machine downloads nothing); Maven's -o is npm's --offline
        Process p = new ProcessBuilder(npm, "pack", spec, "--silent", "--no-update-notifier", "--loglevel=error",
                        offline ? "--offline" : "--prefer-offline")
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        if (!p.waitFor(NPM_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("npm pack " + spec + " timed out after " + NPM_TIMEOUT_MINUTES + " minutes");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("npm pack " + spec + " exited " + p.exitValue());
        }
    }

    private static void unpack(Path tgz, String version, String platform, Path dir) throws IOException, NoSuchAlgorithmException {
        deleteTree(dir);
        Path files = dir.resolve("files");
        Files.createDirectories(files);
        List<Entry> entries = new ArrayList<>();
        String packageJson = null;
        String target = null;
        try (InputStream in = new BufferedInputStream(new GZIPInputStream(Files.newInputStream(tgz), 1 << 16), 1 << 16)) {
            byte[] header = new byte[512];
            String longName = null;
            while (true) {
                readFully(in, header);
                if (isZero(header)) {
                    break;
                }
                String name = longName != null ? longName : name(header);
                longName = null;
                long size = size(header);
                int mode = (int) octal(header, 100, 8);
                char type = (char) header[156];
                if (type == 'x' || type == 'L') {
                    String text = new String(readBytes(in, size), StandardCharsets.UTF_8);
                    skipPadding(in, size);
                    longName = type == 'L' ? text.replace("\0", "") : paxPath(text);
                    continue;
                }
                if (type == 'g' || type == '5') {
                    skip(in, size);
                    skipPadding(in, size);
                    continue;
                }
                if (type != '0' && type != '\0') {
                    throw new IllegalStateException(tgz + ": unexpected entry type '" + type + "' for " + name);
                }
                if (name.equals("package/package.json")) {
                    packageJson = new String(readBytes(in, size), StandardCharsets.UTF_8);
                    skipPadding(in, size);
                    continue;
                }
                Matcher m = Pattern.compile("package/vendor/([^/]+)/(.+)").matcher(name);
                if (!m.matches()) {
                    skip(in, size);
                    skipPadding(in, size);
                    continue;
                }
                if (target != null && !target.equals(m.group(1))) {
                    throw new IllegalStateException(tgz + ": two targets in vendor/: " + target + " and " + m.group(1));
                }
                target = m.group(1);
                String rel = m.group(2);
                if (rel.startsWith("/") || rel.contains("..") || rel.contains("\\")) {
                    throw new IllegalStateException(tgz + ": refusing path " + name);
                }
                Path file = files.resolve(rel);
                Files.createDirectories(file.getParent());
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                try (OutputStream os = Files.newOutputStream(file)) {
                    byte[] buf = new byte[1 << 16];
                    long left = size;
                    while (left > 0) {
                        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                        if (n < 0) {
                            throw new EOFException(tgz + " ends inside " + name);
                        }
                        os.write(buf, 0, n);
                        sha.update(buf, 0, n);
                        left -= n;
                    }
                }
                skipPadding(in, size);
                entries.add(new Entry(rel, size, HexFormat.of().formatHex(sha.digest()), (mode & 0111) != 0));
            }
        }
        String expected = "\"version\": \"" + version + "-" + platform + "\"";
        if (packageJson == null || !packageJson.contains(expected)) {
            throw new IllegalStateException(tgz + " is not @openai/codex " + version + "-" + platform + " (package.json: "
                    + packageJson + ")");
        }
        Map<String, String> layout = read(files.resolve("codex-package.json"), entries);
        String entrypoint = layout.getOrDefault("entrypoint", "bin/codex" + (platform.startsWith("win32") ? ".exe" : ""));
        if (entries.stream().noneMatch(e -> e.path().equals(entrypoint))) {
            throw new IllegalStateException(tgz + " has no " + entrypoint);
        }
        entries.sort(Comparator.comparing(Entry::path));
        StringBuilder manifest = new StringBuilder();
        manifest.append("# codex's npm platform package @openai/codex@").append(version).append('-').append(platform)
                .append(", vendor/").append(target).append("/ unchanged under files/\n");
        manifest.append("version=").append(version).append('\n');
        manifest.append("platform=").append(platform).append('\n');
        manifest.append("target=").append(target).append('\n');
        manifest.append("entrypoint=").append(entrypoint).append('\n');
        manifest.append("files=").append(entries.size()).append('\n');
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            manifest.append("file.").append(i).append(".path=").append(e.path()).append('\n');
            manifest.append("file.").append(i).append(".size=").append(e.size()).append('\n');
            manifest.append("file.").append(i).append(".sha256=").append(e.sha256()).append('\n');
            manifest.append("file.").append(i).append(".executable=").append(e.executable()).append('\n');
        }
        // written last: its presence with every file at its size is what "up to date" means
        Files.writeString(dir.resolve("codex.properties"), manifest.toString(), StandardCharsets.UTF_8);
        long total = entries.stream().mapToLong(Entry::size).sum();
        System.out.println("codex " + version + " " + platform + " (" + target + "): " + entries.size() + " files, "
                + total / (1024 * 1024) + " MiB, entry point " + entrypoint);
    }

    /** The entry point named by codex-package.json (its layout file), when the package has one. */
    private static Map<String, String> read(Path codexPackageJson, List<Entry> entries) throws IOException {
        Map<String, String> layout = new TreeMap<>();
        if (entries.stream().anyMatch(e -> e.path().equals("codex-package.json"))) {
            Matcher m = Pattern.compile("\"(\\w+)\"\\s*:\\s*\"([^\"]*)\"").matcher(Files.readString(codexPackageJson));
            while (m.find()) {
                layout.put(m.group(1), m.group(2));
            }
        }
        return layout;
    }

    private static String name(byte[] h) {
        String name = text(h, 0, 100);
        String prefix = new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar") ? text(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static String paxPath(String records) {
        for (String record : records.split("\n")) {
            int space = record.indexOf(' ');
            if (space > 0 && record.startsWith("path=", space + 1)) {
                return record.substring(space + 1 + "path=".length());
            }
        }
        return null;
    }

    private static String text(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }

    private static long size(byte[] h) {
        if ((h[124] & 0x80) != 0) {
            long v = 0;
            for (int i = 125; i < 136; i++) {
                v = (v << 8) | (h[i] & 0xff);
            }
            return v;
        }
        return octal(h, 124, 12);
    }

    private static long octal(byte[] h, int off, int len) {
        long v = 0;
        for (int i = off; i < off + len; i++) {
            byte b = h[i];
            if (b >= '0' && b <= '7') {
                v = v * 8 + (b - '0');
            } else if (b == 0 || b == ' ') {
                if (v > 0) {
                    break;
                }
            }
        }
        return v;
    }

    private static boolean isZero(byte[] h) {
        for (byte b : h) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static void readFully(InputStream in, byte[] buf) throws IOException {
        int off = 0;
        while (off < buf.length) {
            int n = in.read(buf, off, buf.length - off);
            if (n < 0) {
                throw new EOFException("archive ends inside a header");
            }
            off += n;
        }
    }

    private static byte[] readBytes(InputStream in, long size) throws IOException {
        if (size > 1 << 20) {
            throw new IOException("header entry of " + size + " bytes");
        }
        byte[] b = new byte[(int) size];
        readFully(in, b);
        return b;
    }

    private static void skip(InputStream in, long n) throws IOException {
        while (n > 0) {
            long s = in.skip(n);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("archive ends inside an entry");
                }
                s = 1;
            }
            n -= s;
        }
    }

    private static void skipPadding(InputStream in, long size) throws IOException {
        long pad = (512 - size % 512) % 512;
        skip(in, pad);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    private PackCodexPlatform() {
    }
}
