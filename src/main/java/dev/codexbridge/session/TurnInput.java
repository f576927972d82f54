package dev.codexbridge.session;

import dev.codexbridge.protocol.UserInput;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the user says in one turn: text, images (a {@code data:} URL or a local file) and mentions
 * (apps, plugins). Becomes {@code turn/start.input}.
 */
public final class TurnInput {
    private final List<UserInput> parts;

    private TurnInput(List<UserInput> parts) {
        this.parts = List.copyOf(parts);
    }

    public static TurnInput text(String text) {
        return new Builder().text(text).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The {@code UserInput[]} of {@code turn/start} and {@code turn/steer}. */
    public List<UserInput> toUserInputs() {
        return parts;
    }

    /** The same as JSON. */
    public ArrayNode toJson() {
        return (ArrayNode) Json.tree(parts);
    }

    /** {@link #toJson} as JSON text. */
    public String toJsonText() {
        return Json.write(parts);
    }

    public boolean isEmpty() {
        return parts.isEmpty();
    }

    public static final class Builder {
        private final List<UserInput> parts = new ArrayList<>();

        private Builder() {
        }

        public Builder text(String text) {
            parts.add(new UserInput.Text(Objects.requireNonNull(text, "text"), null));
            return this;
        }

        /**
         * An inline image as a {@code data:} URL. Codex 0.169 refuses remote image URLs, so
         * anything else is rejected here with a clear message instead of a failed turn.
         */
        public Builder imageDataUrl(String dataUrl) {
            if (!dataUrl.startsWith("data:")) {
                throw new IllegalArgumentException("codex accepts only inline data: URLs for images; use localImage(path) for files");
            }
            parts.add(new UserInput.Image(null, dataUrl, null));
            return this;
        }

        /** An image file codex reads itself. */
        public Builder localImage(Path path) {
            parts.add(new UserInput.LocalImage(null, path.toAbsolutePath().toString()));
            return this;
        }

        /** A mention, e.g. {@code app://demo-app} or {@code plugin://name@marketplace}. */
        public Builder mention(String name, String path) {
            parts.add(new UserInput.Mention(name, path));
            return this;
        }

        public TurnInput build() {
            if (parts.isEmpty()) {
                throw new IllegalArgumentException("a turn needs some input");
            }
            return new TurnInput(parts);
        }
    }
}
