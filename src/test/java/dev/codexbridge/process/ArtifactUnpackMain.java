package dev.codexbridge.process;

import java.net.URLClassLoader;
import java.nio.file.Paths;

/** A second process unpacking the same artifact into the same cache: CACHE_ROOT CLASS_PATH_ROOT PLATFORM. */
public final class ArtifactUnpackMain {
    private ArtifactUnpackMain() {
    }

    public static void main(String[] args) throws Exception {
        try (URLClassLoader loader = ArtifactFixture.loader(Paths.get(args[1]))) {
            CodexArtifact artifact = CodexArtifact.find(loader, args[2]).orElseThrow();
            System.out.println(new CodexArtifactCache(Paths.get(args[0])).executable(artifact));
        }
    }
}
