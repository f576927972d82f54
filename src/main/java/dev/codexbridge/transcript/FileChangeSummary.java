package dev.codexbridge.transcript;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.json.Json;
import dev.codexbridge.json.JsonFormatException;
import dev.codexbridge.protocol.FileChanges;
import dev.codexbridge.protocol.FileUpdateChange;
import java.util.ArrayList;
import java.util.List;

/**
 * "1 add, 1 update: a.py, b.py" for the {@code changes} of a fileChange item given as JSON.
 *
 * @deprecated use {@link FileChanges#summary(List)} on the decoded changes. Kept only until the
 *     approval bridge, its last caller, reads typed items.
 */
@Deprecated
public final class FileChangeSummary {
    private FileChangeSummary() {
    }

    public static String of(JsonNode changes) {
        if (changes == null || !changes.isArray()) {
            return FileChanges.summary(List.of());
        }
        List<FileUpdateChange> decoded = new ArrayList<>();
        for (JsonNode c : changes) {
            decoded.add(decode(c));
        }
        return FileChanges.summary(decoded);
    }

    /** A change that does not fit the schema counts as an update of an unknown path, as before. */
    private static FileUpdateChange decode(JsonNode change) {
        try {
            FileUpdateChange decoded = Json.convert(change, FileUpdateChange.class);
            return decoded != null ? decoded : new FileUpdateChange(null, null, null);
        } catch (JsonFormatException doesNotFit) {
            return new FileUpdateChange(null, null, null);
        }
    }
}
