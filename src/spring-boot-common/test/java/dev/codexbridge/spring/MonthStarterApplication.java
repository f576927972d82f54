package dev.codexbridge.spring;

import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * The application {@code bin/bench month} runs for its {@code starter} variants (issue 80): a Spring Boot
 * web application on the starter, its configuration the command line's properties ({@code codex-bridge.process.*},
 * {@code codex-bridge.session.hibernate-after}, {@code codex-bridge.store.*}). {@code POST /turn} with a prompt as
 * its body opens a session from the starter's {@code CodexSessions}, runs one turn on it and answers its text; the
 * session is kept until it sleeps (in the store, when there is one) and then closed, as a host that lets a
 * conversation go once it is idle does. {@code GET /turn} answers once the application is up, with the sessions it holds.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class MonthStarterApplication {
    public static void main(String[] args) {
        new SpringApplicationBuilder(MonthStarterApplication.class).web(WebApplicationType.SERVLET).run(args);
    }

    @Bean
    ServletRegistrationBean<TurnServlet> monthTurns(CodexSessions sessions, @Value("${codex-bridge.store.type:none}") String store) {
        return new ServletRegistrationBean<>(new TurnServlet(sessions, !store.equalsIgnoreCase("none")), "/turn");
    }

    /** One conversation of one turn per request; its session closed by a sweep once asleep. */
    static final class TurnServlet extends HttpServlet {
        private final transient CodexSessions sessions;
        /** Sessions sleep into a store: each is closed once stored away, not merely asleep. */
        private final boolean stored;
        private final transient List<CodexSession> open = new ArrayList<>();
        private final transient List<CompletableFuture<Void>> closing = new ArrayList<>();
        private final transient ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "month-sweeper");
            t.setDaemon(true);
            return t;
        });

        TurnServlet(CodexSessions sessions, boolean stored) {
            this.sessions = sessions;
            this.stored = stored;
            sweeper.scheduleWithFixedDelay(this::sweep, 200, 200, TimeUnit.MILLISECONDS);
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            synchronized (open) {
                response.getWriter().write("up, " + open.size() + " sessions awaiting their sleep, " + closing.size() + " closing");
            }
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            String prompt = new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            CodexSession s = sessions.open();
            TurnResult r;
            try {
                r = s.runTurn(TurnInput.text(prompt));
            } catch (RuntimeException e) {
                s.close();
                response.sendError(500, e.toString());
                return;
            }
            if (r.status() != TurnOutcome.COMPLETED || r.storeFailed()) {
                s.close();
                response.sendError(500, r.status() + (r.storeFailed() ? " (not stored)" : "") + ": " + r.error());
                return;
            }
            synchronized (open) {
                open.add(s);
            }
            response.setContentType("text/plain;charset=utf-8");
            response.getWriter().write(r.finalText());
        }

        private void sweep() {
            synchronized (open) {
                open.removeIf(s -> {
                    if (stored ? s.isStoredAway() : s.isHibernated()) {
                        closing.add(s.closeGracefully());
                        return true;
                    }
                    return false;
                });
                closing.removeIf(CompletableFuture::isDone);
            }
        }

        @Override
        public void destroy() {
            sweeper.shutdownNow();
            synchronized (open) {
                open.forEach(CodexSession::close);
                open.clear();
            }
        }
    }
}
