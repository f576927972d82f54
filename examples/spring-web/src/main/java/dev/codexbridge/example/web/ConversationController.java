package dev.codexbridge.example.web;

import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The page's API: start a conversation, send a message, listen to its turn's events (server-sent events),
 * answer an approval, read the transcript.
 */
@RestController
@RequestMapping("/api")
class ConversationController {
    private final Conversations conversations;
    private final ApprovalDesk desk;

    ConversationController(Conversations conversations, ApprovalDesk desk) {
        this.conversations = conversations;
        this.desk = desk;
    }

    @PostMapping("/conversations")
    Map<String, String> start() {
        return Map.of("id", conversations.start().id());
    }

    @PostMapping("/conversations/{id}/messages")
    ResponseEntity<Void> send(@PathVariable("id") String id, @RequestBody MessageForm message) {
        if (message.text() == null || message.text().isBlank()) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "an empty message");
        }
        boolean started = conversation(id).send(message.text().strip());
        return ResponseEntity.status(started ? HttpStatus.ACCEPTED : HttpStatus.CONFLICT).build();
    }

    /** The current turn's events, from its start, through the starter's {@code TurnSse}; one page per turn. */
    @GetMapping(path = "/conversations/{id}/turn/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(@PathVariable("id") String id) {
        return conversation(id).listen().orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no turn yet"));
    }

    @GetMapping("/conversations/{id}/transcript")
    List<TranscriptEntry> transcript(@PathVariable("id") String id) {
        return conversation(id).transcript();
    }

    /** {@code {"approve": true}} runs the command once; {@code false} denies it. */
    @PostMapping("/approvals/{approvalId}")
    Map<String, String> answer(@PathVariable("approvalId") String approvalId, @RequestBody AnswerForm answer) {
        return desk.answer(approvalId, answer.approve())
                .map(decision -> Map.of("choice", decision.choice().name()))
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.GONE, "no such approval is waiting"));
    }

    private Conversation conversation(String id) {
        return conversations.find(id).orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no conversation " + id));
    }

    record MessageForm(String text) {
    }

    record AnswerForm(boolean approve) {
    }
}
