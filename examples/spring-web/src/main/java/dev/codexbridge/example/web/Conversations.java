package dev.codexbridge.example.web;

import dev.codexbridge.session.CodexSession;
import dev.codexbridge.spring.CodexSessions;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The page's conversations, each a codex thread opened by the starter's {@link CodexSessions}
 * (its defaults come from {@code codex-bridge.session.*}, its approvals go to {@link ApprovalDesk}).
 * The starter's shutdown lets running turns finish, then stops codex.
 */
@Component
class Conversations implements DisposableBean {
    private final CodexSessions sessions;
    private final Map<String, Conversation> open = new ConcurrentHashMap<>();

    Conversations(CodexSessions sessions) {
        this.sessions = sessions;
    }

    /** A new conversation: {@code thread/start} on codex (the starter's sessions come started). */
    Conversation start() {
        CodexSession session = sessions.open();
        Conversation conversation = new Conversation(UUID.randomUUID().toString(), session);
        open.put(conversation.id(), conversation);
        return conversation;
    }

    Optional<Conversation> find(String id) {
        return Optional.ofNullable(open.get(id));
    }

    /** Before the web server's graceful shutdown waits for open requests: the pages' event streams end here. */
    @EventListener(ContextClosedEvent.class)
    void closePages() {
        open.values().forEach(Conversation::closePage);
    }

    @Override
    public void destroy() {
        open.values().forEach(Conversation::close);
        open.clear();
    }
}
