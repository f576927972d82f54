package example.consumer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.ErrorCategory;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnListener;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A host built only from the published artifacts: the real codex, offline (the test kit's scripted
 * model and a throw-away CODEX_HOME), two turns, one with structured output. Exits non-zero on any
 * surprise. Also checks that the migration's parsers are not on a session host's class path.
 */
public final class OfflineSession {
    private OfflineSession() {
    }

    public static void main(String[] args) throws Exception {
        for (String absent : List.of("org.tomlj.Toml", "org.yaml.snakeyaml.Yaml", "dev.codexbridge.config.ConfigMigrator")) {
            if (present(absent)) {
                throw new AssertionError(absent + " is on the class path of a host that depends on codex-bridge");
            }
        }
        Path tmp = Files.createTempDirectory("codex-bridge-consumer");
        JsonNode schema = Json.parse("{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"integer\"}},"
                + "\"required\":[\"answer\"],\"additionalProperties\":false}");
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            Path home = IsolatedCodexHome.builder(tmp.resolve("home"), model.baseUrl()).write();
            model.enqueue(ModelReply.message("Hello from the scripted model."), ModelReply.message("{\"answer\":42}"),
                    ModelReply.message("{\"answer\":\"forty-two\"}"));
            try (CodexSession session = CodexSession.builder()
                    .connection(CodexClient.builder().process(CodexLaunch.appServer().codexHome(home).build()).options())
                    .cwd(Files.createDirectories(tmp.resolve("work")))
                    .build()) {
                TurnResult hello = session.runTurn(TurnInput.text("Say hello."));
                expect(hello.status() == TurnOutcome.COMPLETED, "first turn: " + hello.status() + " " + hello.error());
                expect("Hello from the scripted model.".equals(hello.finalText()), "first answer: " + hello.finalText());

                TurnOptions structured = TurnOptions.DEFAULTS.withOutputSchema(schema);
                TurnResult ok = session.runTurn(TurnInput.text("The answer, as JSON."), structured, TurnListener.NONE);
                expect(ok.status() == TurnOutcome.COMPLETED, "structured turn: " + ok.status() + " " + ok.error());
                TurnResult wrong = session.runTurn(TurnInput.text("Again."), structured, TurnListener.NONE);
                expect(wrong.status() == TurnOutcome.FAILED && wrong.error() != null
                        && wrong.error().category() == ErrorCategory.STRUCTURED_OUTPUT,
                        "an answer against the schema: " + wrong.status() + " " + wrong.error());
                System.out.println("consumer: thread " + session.threadId() + ", 3 turns against the real codex, "
                        + "structured output checked; no tomlj/SnakeYAML/migration on the class path");
            }
        }
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, OfflineSession.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static void expect(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }
}
