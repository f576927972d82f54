package dev.codexbridge.example.web;

import dev.codexbridge.approval.ApprovalPolicy;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadOptions;
import dev.codexbridge.session.TurnLimits;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The page's conversations, each a codex thread on the one shared {@link CodexClient}. Approvals go
 * to a person through {@link ApprovalDesk}; one unanswered for ten minutes counts as a denial.
 */
@Component
class Conversations implements DisposableBean {
    private static final Duration APPROVAL_DEADLINE = Duration.ofMinutes(10);

    private final CodexClient codex;
    private final ApprovalDesk desk;
    private final CodexConfiguration.ExampleFolders folders;
    private final Map<String, Conversation> open = new ConcurrentHashMap<>();
    // one thread sends every page its events; sending is short and ordered per conversation
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "example-web-events");
        t.setDaemon(true);
        return t;
    });

    Conversations(CodexClient codex, ApprovalDesk desk, CodexConfiguration.ExampleFolders folders) {
        this.codex = codex;
        this.desk = desk;
        this.folders = folders;
    }

    /** A new conversation: {@code thread/start} on codex, commands running in the example's workspace. */
    Conversation start() {
        EventStream events = new EventStream(sender);
        CodexSession session = CodexSession.builder()
                .client(codex)
                .thread(ThreadOptions.in(folders.workspace()))
                .approvals(ApprovalPolicy.builder().handler(desk.handlerFor(events)).deadline(APPROVAL_DEADLINE).build())
                .limits(TurnLimits.of(Duration.ofMinutes(15), Duration.ZERO))
                .build();
        session.start();
        Conversation conversation = new Conversation(UUID.randomUUID().toString(), session, events);
        open.put(conversation.id(), conversation);
        return conversation;
    }

    Optional<Conversation> find(String id) {
        return Optional.ofNullable(open.get(id));
    }

    /** Before the web server's graceful shutdown waits for open requests: the pages' event streams end here. */
    @EventListener(ContextClosedEvent.class)
    void closePages() {
        open.values().forEach(c -> c.events().close());
    }

    @Override
    public void destroy() {
        open.values().forEach(Conversation::close);
        open.clear();
        sender.shutdownNow();
    }
}
