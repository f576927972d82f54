package dev.codexbridge.openai;

import dev.codexbridge.session.InvalidInputException;
import dev.codexbridge.session.TurnInput;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What one turn gives codex out of a request's messages. The caller's instructions ({@code
 * instructions}, {@code system} and {@code developer} messages) and any earlier messages codex has
 * not seen (a history given to a new thread once) become labelled text ahead of the new user
 * message, so they can never change codex's own settings (sandbox, approvals, model provider):
 * they are what the caller said, nothing more. Images go along as codex's image input.
 */
final class TurnText {
    private TurnText() {
    }

    /**
     * The input for {@code messages}, of which those before {@code newFrom} are history codex has
     * not seen; {@code instructions} (may be null) leads.
     */
    static TurnInput of(@Nullable String instructions, List<Message> messages, int newFrom, String param) {
        StringBuilder said = new StringBuilder();
        if (instructions != null && !instructions.isBlank()) {
            said.append("Instructions from the caller:\n").append(instructions.strip()).append("\n\n");
        }
        StringBuilder history = new StringBuilder();
        StringBuilder now = new StringBuilder();
        TurnInput.Builder input = TurnInput.builder();
        java.util.List<String> images = new java.util.ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (m.instructs()) {
                said.append("Instructions from the caller (").append(m.role()).append("):\n").append(m.text().strip()).append("\n\n");
            } else if (i < newFrom || m.role().equals("assistant")) {
                history.append(m.role()).append(": ").append(m.text().strip()).append("\n\n");
            } else {
                now.append(now.isEmpty() ? "" : "\n\n").append(m.text());
            }
            m.parts().stream().map(Message.Part::imageUrl).filter(java.util.Objects::nonNull).forEach(images::add);
        }
        if (!history.isEmpty()) {
            said.append("The conversation so far:\n\n").append(history);
        }
        said.append(!said.isEmpty() && !now.isEmpty() ? "The new message:\n\n" : "").append(now);
        if (!said.toString().isBlank()) {
            input.text(said.toString());
        }
        images.forEach(input::imageDataUrl);
        try {
            return input.build();
        } catch (InvalidInputException e) {
            throw OpenAiError.invalid(param, e.getMessage());
        }
    }
}
