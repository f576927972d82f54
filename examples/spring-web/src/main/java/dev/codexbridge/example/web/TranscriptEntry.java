package dev.codexbridge.example.web;

import dev.codexbridge.transcript.TranscriptMessage;

/** One line of the transcript as the page shows it: who ({@code user}, {@code assistant}, {@code tool}) and what. */
record TranscriptEntry(String role, String text) {

    static TranscriptEntry of(TranscriptMessage message) {
        String role = message.role().wire();
        if (message.toolCalls() != null && !message.toolCalls().isEmpty()) {
            TranscriptMessage.ToolCall call = message.toolCalls().get(0);
            return new TranscriptEntry(role, "calls " + call.function().name() + " " + call.function().arguments());
        }
        return new TranscriptEntry(role, message.content() == null ? "" : message.content());
    }
}
