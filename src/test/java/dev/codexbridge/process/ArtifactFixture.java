package dev.codexbridge.process;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A small codex-bridge-codex artifact laid out the way the build writes one (a class-path root with
 * {@code META-INF/codex-bridge/codex/PLATFORM/codex.properties} and {@code files/}), as a folder or
 * a jar, with a shell script as its executable.
 */
final class ArtifactFixture {
    static final String VERSION = "0.171.0";
    final String platform;
    final Map<String, byte[]> files = new LinkedHashMap<>();
    final Map<String, Boolean> executable = new LinkedHashMap<>();

    ArtifactFixture(String platform) {
        this.platform = platform;
        put("bin/codex", ("#!/bin/sh\necho codex-cli " + VERSION + "\n").getBytes(StandardCharsets.UTF_8), true);
        byte[] data = new byte[300 * 1024];
        new Random(7).nextBytes(data);
        put("codex-resources/data.bin", data, false);
        put("codex-package.json", "{\"entrypoint\": \"bin/codex\"}\n".getBytes(StandardCharsets.UTF_8), false);
    }

    ArtifactFixture put(String path, byte[] bytes, boolean exec) {
        files.put(path, bytes);
        executable.put(path, exec);
        return this;
    }

    String manifest() {
        StringBuilder m = new StringBuilder("# test artifact\nversion=" + VERSION + "\nplatform=" + platform
                + "\ntarget=test\nentrypoint=bin/codex\nfiles=" + files.size() + "\n");
        int i = 0;
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            m.append("file.").append(i).append(".path=").append(f.getKey()).append('\n')
                    .append("file.").append(i).append(".size=").append(f.getValue().length).append('\n')
                    .append("file.").append(i).append(".sha256=").append(CodexArtifact.sha256(f.getValue())).append('\n')
                    .append("file.").append(i).append(".executable=").append(executable.get(f.getKey())).append('\n');
            i++;
        }
        return m.toString();
    }

    /** Writes the class-path root as a folder; {@code damaged} files get other bytes than the manifest records. */
    Path writeFolder(Path root, String... damaged) throws IOException {
        String prefix = CodexArtifact.RESOURCE_ROOT + platform + "/";
        Files.createDirectories(root.resolve(prefix));
        Files.writeString(root.resolve(prefix + "codex.properties"), manifest());
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path p = root.resolve(prefix + "files/" + f.getKey());
            Files.createDirectories(p.getParent());
            byte[] bytes = f.getValue().clone();
            if (Stream.of(damaged).anyMatch(f.getKey()::equals)) {
                bytes[bytes.length / 2] ^= 1;
            }
            Files.write(p, bytes);
        }
        return root;
    }

    Path writeJar(Path jar) throws IOException {
        String prefix = CodexArtifact.RESOURCE_ROOT + platform + "/";
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os)) {
            out.putNextEntry(new JarEntry(prefix + "codex.properties"));
            out.write(manifest().getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                out.putNextEntry(new JarEntry(prefix + "files/" + f.getKey()));
                out.write(f.getValue());
            }
        }
        return jar;
    }

    static URLClassLoader loader(Path classPathRoot) throws IOException {
        return new URLClassLoader(new URL[] {classPathRoot.toUri().toURL()}, null);
    }
}
