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
 *
 * <p>Input codex would refuse or could not read is refused when it is built, with an
 * {@link InvalidInputException}, so it never costs a request: a turn of blank text only, text with
 * a lone UTF-16 surrogate, more than {@link #MAX_TEXT_CODE_POINTS} characters of text.
 */
public final class TurnInput {
    /** The most text codex 0.169.0 takes in one turn, counted as Unicode code points over every text part. */
    public static final int MAX_TEXT_CODE_POINTS = 1 << 20;

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

        /** Throws {@link InvalidInputException} for input codex would refuse or could not read. */
        public TurnInput build() {
            if (parts.isEmpty()) {
                throw new InvalidInputException("a turn needs some input: text, an image or a mention");
            }
            long codePoints = 0;
            boolean onlyBlankText = true;
            for (UserInput part : parts) {
                if (!(part instanceof UserInput.Text t)) {
                    onlyBlankText = false;
                    continue;
                }
                String text = t.text();
                int lone = loneSurrogate(text);
                if (lone >= 0) {
                    throw new InvalidInputException(String.format("the input's text holds a lone UTF-16 surrogate (U+%04X) at index %d: "
                            + "codex cannot read such text and would never answer; replace or drop it (for example with U+FFFD)",
                            (int) text.charAt(lone), lone));
                }
                codePoints += text.codePointCount(0, text.length());
                onlyBlankText &= text.isBlank();
            }
            if (onlyBlankText) {
                throw new InvalidInputException("the input is empty (blank text only): nothing is sent to the model for it");
            }
            if (codePoints > MAX_TEXT_CODE_POINTS) {
                throw new InvalidInputException("the input's text is " + codePoints + " characters; codex takes at most "
                        + MAX_TEXT_CODE_POINTS + " (Unicode code points) in one turn: shorten it or send it as a file");
            }
            return new TurnInput(parts);
        }

        /** The index of the first surrogate without its pair, or -1. */
        private static int loneSurrogate(String text) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (Character.isHighSurrogate(c)) {
                    if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                        i++;
                        continue;
                    }
                    return i;
                }
                if (Character.isLowSurrogate(c)) {
                    return i;
                }
            }
            return -1;
        }
    }
}
