package dev.codexbridge.spring;

import dev.codexbridge.process.CodexLocator;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnResult;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring Boot application on the starter and codex-bridge-codex-linux-x64, nothing else about
 * codex configured (no codex-bridge.process.binary): {@link NoNodeSpringBootTest} runs it where no
 * Node is on the PATH. Prints {@code ANSWER status text}, then {@code SOURCE source binary}.
 *
 * <p>Arguments: CODEX_HOME, then the session's working directory.
 */
public final class NoNodeHostMain {
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    private NoNodeHostMain() {
    }

    public static void main(String[] args) {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off", "codex-bridge.process.codex-home=" + args[0],
                        "codex-bridge.session.cwd=" + args[1], "codex-bridge.session.turn-timeout=120s")
                .run()) {
            try (CodexSession session = context.getBean(CodexSessions.class).open()) {
                TurnResult r = session.runTurn(TurnInput.text("Say hello."));
                System.out.println("ANSWER " + r.status() + " " + r.finalText());
            }
            CodexLocator.Located located = new CodexLocator().locate(null);
            System.out.println("SOURCE " + located.source() + " " + located.binary());
        }
    }
}
