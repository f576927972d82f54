package dev.codexbridge.spring;

import dev.codexbridge.approval.ApprovalDecision;
import dev.codexbridge.approval.ApprovalHandler;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import reactor.core.publisher.Flux;

/**
 * docs/spring-boot.md's samples, compiled against both starters (this folder is in both modules'
 * tests; DocsJavaBlocksTest checks the doc shows them as compiled). Inner classes, so neither a
 * test run nor a context picks them up.
 */
final class SpringBootDocsExamples {
    /** Where the application's users answer what codex asks. */
    interface MyApprovalQueue {
        CompletionStage<ApprovalDecision> ask(String title);
    }

    private SpringBootDocsExamples() {
    }

    // docs/spring-boot.md#smallest:BEGIN
    @RestController
    class AskController {
        private final CodexSessions sessions;

        AskController(CodexSessions sessions) {
            this.sessions = sessions;
        }

        @PostMapping("/ask")
        String ask(@RequestBody String prompt) {
            try (CodexSession session = sessions.open()) {               // a new codex thread, started
                return session.runTurn(TurnInput.text(prompt)).finalText();
            }
        }
    }

    @Bean
    ApprovalHandler approvalHandler(MyApprovalQueue queue) {              // what codex asks goes to your users
        return request -> queue.ask(request.title());                     // CompletionStage<ApprovalDecision>
    }
    // docs/spring-boot.md#smallest:END

    final class MvcTurns {
        private CodexSession session;

        // docs/spring-boot.md#sse:BEGIN
        @GetMapping(path = "/turns", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
        SseEmitter turn(@RequestParam String text) {                       // Spring MVC
            return TurnSse.emitter(session.streamTurn(TurnInput.text(text), TurnOptions.DEFAULTS));
        }
        // docs/spring-boot.md#sse:END
    }

    final class FluxTurns {
        private CodexSession session;

        // docs/spring-boot.md#flux:BEGIN
        @GetMapping(path = "/turns", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
        Flux<ServerSentEvent<Map<String, Object>>> turn(@RequestParam String text) {   // WebFlux
            return TurnFlux.serverSentEvents(session.streamTurn(TurnInput.text(text), TurnOptions.DEFAULTS));
        }
        // docs/spring-boot.md#flux:END
    }

    // docs/spring-boot.md#testing:BEGIN
    @SpringBootTest
    class MyAppTest {
        static ScriptedModelServer model = ScriptedModelServer.start();

        @DynamicPropertySource
        static void codex(DynamicPropertyRegistry r) throws IOException {
            Path tmp = Files.createTempDirectory("codex");
            r.add("codex-bridge.process.codex-home",
                    () -> IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write().toString());
            r.add("codex-bridge.session.cwd", () -> tmp.toString());
        }
        // … the application's tests
    }
    // docs/spring-boot.md#testing:END
}
