package dev.codexbridge.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.support.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A capability token's file: refused when others may write it, warned about once when others may read it or it is a link. */
class TokenFilesTest {
    @TempDir
    Path tmp;

    private Path token(String name, String mode) throws Exception {
        Path file = Files.writeString(tmp.resolve(name), "token-value-c41d\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    @Test
    void aFileOthersMayWriteIsRefused() throws Exception {
        Path file = token("writable", "rw-rw-rw-");
        assertThatThrownBy(() -> TokenFiles.check(file)).isInstanceOf(TransportException.class)
                .hasMessageContaining("lets others write it").hasMessageNotContaining("token-value");
    }

    @Test
    void aFileOthersMayReadOrALinkIsWarnedAboutOnce() throws Exception {
        Path readable = token("readable", "rw-r--r--");
        Path owner = token("owner", "rw-------");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), owner);
        try (LogCapture log = LogCapture.start()) {
            TokenFiles.check(owner);
            assertThat(log.text()).doesNotContain("token file");
            TokenFiles.check(readable);
            TokenFiles.check(readable);
            TokenFiles.check(link);
            String text = log.text();
            assertThat(text.split("has mode rw-r--r--", -1)).hasSize(2);
            assertThat(text).contains("chmod 600").contains("is a symbolic link to " + owner).doesNotContain("token-value");
        }
    }

    @Test
    void aKubernetesSecretsLinkIsExpected() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("..2026_11_23_12_00_00.1"));
        Files.writeString(data.resolve("token"), "token-value-c41d\n");
        Files.setPosixFilePermissions(data.resolve("token"), PosixFilePermissions.fromString("r--------"));
        Files.createSymbolicLink(tmp.resolve("..data"), data.getFileName());
        Path mounted = Files.createSymbolicLink(tmp.resolve("token"), Path.of("..data/token"));
        try (LogCapture log = LogCapture.start()) {
            TokenFiles.check(mounted);
            assertThat(log.text()).doesNotContain("symbolic link").doesNotContain("has mode");
        }
    }
}
