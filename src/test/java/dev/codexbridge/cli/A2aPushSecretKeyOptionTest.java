package dev.codexbridge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.a2a.SealingKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Where {@code a2a} finds the keys that seal push configs at rest (decision 0104): the file
 * {@code --push-secret-key-file} names, else {@code CODEX_BRIDGE_PUSH_SECRET_KEY}, else none; a
 * key that is not one is refused, and the refusal never repeats it.
 */
class A2aPushSecretKeyOptionTest {
    @TempDir
    Path tmp;

    private static A2aCommand command(Map<String, String> environment, String... args) {
        A2aCommand command = new A2aCommand();
        command.environment = environment;
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void theFileFirstThenTheEnvironmentElseNone() throws Exception {
        String fileKey = SealingKeys.newKey();
        String envKey = SealingKeys.newKey();
        String oldKey = SealingKeys.newKey();
        Path file = Files.writeString(tmp.resolve("keys"), fileKey + "\n" + oldKey + "\n");
        Map<String, String> env = Map.of("CODEX_BRIDGE_PUSH_SECRET_KEY", envKey);

        assertThat(command(env, "--listen", "127.0.0.1:0", "--push-secret-key-file", file.toString()).pushSecretKeys().keyIds())
                .containsExactly(SealingKeys.parse(fileKey).sealingKeyId(), SealingKeys.parse(oldKey).sealingKeyId());
        assertThat(command(env, "--listen", "127.0.0.1:0").pushSecretKeys().sealingKeyId()).isEqualTo(SealingKeys.parse(envKey).sealingKeyId());
        assertThat(command(Map.of(), "--listen", "127.0.0.1:0").pushSecretKeys()).isNull();
    }

    @Test
    void aKeyThatIsNotOneIsRefusedWithoutBeingRepeated() throws Exception {
        String notAKey = "correct-horse-battery-staple";
        Path file = Files.writeString(tmp.resolve("keys"), notAKey + "\n");
        assertThatThrownBy(() -> command(Map.of(), "--listen", "127.0.0.1:0", "--push-secret-key-file", file.toString()).pushSecretKeys())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--push-secret-key-file " + file + ": sealing key 1 is ")
                .hasMessageNotContaining(notAKey);
        assertThatThrownBy(() -> command(Map.of("CODEX_BRIDGE_PUSH_SECRET_KEY", notAKey), "--listen", "127.0.0.1:0").pushSecretKeys())
                .hasMessageStartingWith("CODEX_BRIDGE_PUSH_SECRET_KEY: sealing key 1 is ").hasMessageNotContaining(notAKey);
        assertThatThrownBy(() -> command(Map.of(), "--listen", "127.0.0.1:0", "--push-secret-key-file", tmp.resolve("missing").toString())
                .pushSecretKeys()).hasMessageStartingWith("--push-secret-key-file " + tmp.resolve("missing") + " cannot be read");
    }
}
