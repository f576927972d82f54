package dev.codexbridge.tenant;

import dev.codexbridge.internal.TomlLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The tenants' template in a tenant's {@code config.toml}: a block between two marker lines the
 * library rewrites before each start of the tenant's codex, so a change of the template (model,
 * provider, MCP servers, permissions) reaches every existing tenant on its codex's next start. What
 * lies outside the block — the tenant's own settings, a migrator's managed block, which has
 * markers of its own — stays byte for byte. The file is replaced atomically (a temporary file in
 * the same folder, owner-only, then a rename), and not written at all when the block is unchanged.
 */
final class TenantTemplate {
    static final String BEGIN = "# >>> codex-bridge tenants template: rewritten at each start of the tenant's codex; edits inside are overwritten";
    static final String END = "# <<< end of codex-bridge tenants template";
    /** How the migrator's managed block begins (dev.codexbridge.config.ManagedBlock, in the migration artifact). */
    private static final String MIGRATOR_BLOCK = "# >>> codex-bridge managed block";

    private TenantTemplate() {
    }

    /** Writes {@code template} as the block of {@code config}; returns whether the file changed. */
    static boolean apply(Path config, String template) throws IOException {
        TenantFolders.refuseLink(config);
        String old = Files.exists(config) ? Files.readString(config, StandardCharsets.UTF_8) : "";
        String updated = merged(old, template);
        if (updated.equals(old)) {
            return false;
        }
        Path tmp = config.resolveSibling(".config.toml.tmp");
        TenantFolders.refuseLink(tmp);
        Files.deleteIfExists(tmp);
        Files.write(tmp, updated.getBytes(StandardCharsets.UTF_8));
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the folder's own protection is all there is
        }
        Files.move(tmp, config, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return true;
    }

    /**
     * {@code text} with its template block replaced by {@code template} (or one added): where the
     * block stood, else before the first table header (so the block's root keys stay root keys
     * and the tenant's root keys are not taken into the block's tables), else at the end.
     *
     * @throws IllegalStateException when a marker has no partner: the file was edited by hand
     */
    static String merged(String text, String template) {
        List<String> lines = TomlLayout.lines(text);
        List<String> outside = new ArrayList<>();
        int at = -1;
        int begin = -1;
        for (int i = 0; i < lines.size(); i++) {
            String content = lines.get(i).strip();
            if (begin < 0 && content.equals(BEGIN)) {
                begin = i;
                at = at < 0 ? outside.size() : at;
            } else if (begin >= 0 && content.equals(END)) {
                begin = -1;
            } else if (content.equals(BEGIN) || content.equals(END)) {
                throw new IllegalStateException("line " + (i + 1) + " of config.toml: a tenants template marker without its partner; "
                        + "fix or remove it by hand");
            } else if (begin < 0) {
                outside.add(lines.get(i));
            }
        }
        if (begin >= 0) {
            throw new IllegalStateException("line " + (begin + 1) + " of config.toml: the tenants template block has no end marker; "
                    + "fix or remove it by hand");
        }
        if (at < 0) {
            // before the first table (a `[` inside a multi-line string or an open array is none), and before the
            // migrator's managed block, which may open with root keys of its own
            int header = TomlLayout.firstTableHeader(outside);
            at = header < 0 ? outside.size() : header;
            for (int i = 0; i < at; i++) {
                if (outside.get(i).strip().startsWith(MIGRATOR_BLOCK)) {
                    at = i;
                    break;
                }
            }
        }
        StringBuilder block = new StringBuilder(BEGIN).append('\n').append(template);
        if (!template.isEmpty() && !template.endsWith("\n")) {
            block.append('\n');
        }
        block.append(END).append('\n');
        StringBuilder sb = new StringBuilder(text.length() + block.length() + 1);
        for (int i = 0; i < at; i++) {
            sb.append(outside.get(i));
        }
        if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '\n') {
            sb.append('\n');
        }
        sb.append(block);
        for (int i = at; i < outside.size(); i++) {
            sb.append(outside.get(i));
        }
        return sb.toString();
    }
}
