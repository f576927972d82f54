package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.CodexException;
import dev.codexbridge.FailureKind;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ThreadAccess;
import dev.codexbridge.session.ThreadAccessDeniedException;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The application's {@link ThreadAccess} bean: {@link CodexSessions} asks it before resuming (a refusal answered as an id
 * nobody started), and its sessions before reading.
 */
@SpringBootTest(classes = {HostApplication.class, ThreadAccessSpringBootTest.Owners.class})
@DirtiesContext   // its codex stops with it: other tests count the JVM's codex children
class ThreadAccessSpringBootTest {
    static final Map<String, String> OWNER_OF_THREAD = new ConcurrentHashMap<>();
    private static ScriptedModelServer model;

    @TestConfiguration(proxyBeanMethods = false)
    static class Owners {
        @Bean
        ThreadAccess threadAccess() {
            return ThreadAccess.owners(OWNER_OF_THREAD::get);
        }
    }

    @Autowired
    CodexSessions sessions;

    @DynamicPropertySource
    static void codex(DynamicPropertyRegistry registry) {
        model = ScriptedModelServer.start();
        OfflineCodex.register(registry, OfflineCodex.binary(), model, "never");
    }

    @AfterAll
    static void stopModel() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void onlyTheThreadsOwnerResumesAndReadsIt() {
        String thread;
        model.enqueue(ModelReply.message("hello y"));
        try (CodexSession y = sessions.open()) {
            y.runTurn(TurnInput.text("hi"));   // codex writes a thread down with its first turn
            thread = y.threadId();
        }
        OWNER_OF_THREAD.put(thread, "y");
        // refused as an id nobody started: the same kind and message, so x learns nothing of y's thread
        assertThatThrownBy(() -> sessions.resume("x", thread, b -> { }))
                .isInstanceOfSatisfying(CodexException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.UNKNOWN_THREAD))
                .hasMessage(CodexSessions.THREAD_NOT_FOUND).hasNoCause();
        assertThatThrownBy(() -> sessions.resume(thread)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("resume(caller, threadId, configure)");
        try (CodexSession again = sessions.resume("y", thread, b -> { })) {
            assertThat(again.read(false).thread().id()).isEqualTo(thread);
            OWNER_OF_THREAD.put(thread, "z");   // handed over: y's open session may read it no more
            assertThatThrownBy(() -> again.read(false)).isInstanceOf(ThreadAccessDeniedException.class);
        }
    }
}
