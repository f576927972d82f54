package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs one of the A2A JS SDK client scripts (src/a2a/test/js, installed by the build) and reads the JSON it prints. */
final class NodeScript {
    private NodeScript() {
    }

    static JsonNode run(String script, String... args) throws Exception {
        Path file = Paths.get(NodeScript.class.getResource("/a2a-js/" + script).toURI());
        assertThat(file.resolveSibling("node_modules/@a2a-js/sdk/package.json")).as("installed by the build").exists();
        List<String> command = new ArrayList<>(List.of("node", file.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(file.getParent().toFile()).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out + err.get()).isZero();
        return A2aWire.JSON.readTree(out);
    }
}
