package dev.codexbridge.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.json.Json;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.protocol.AskForApproval;
import dev.codexbridge.support.FakeCodex;
import dev.codexbridge.tool.DynamicTool;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Settings that cannot apply are refused at build(), saying why; one name per concept. */
class SessionBuilderTest {
    private static final DynamicTool LOOKUP = new DynamicTool("lookup", "looks up", Json.parse("{\"type\":\"object\"}"),
            args -> DynamicTool.Result.text("x"));

    @Test
    void aSharedClientAndAConnectionOfTheSessionsOwnAreRefusedNamingWhereCodexsHomeBelongs() throws Exception {
        FakeCodex codex = new FakeCodex();
        try (CodexClient shared = CodexClient.builder().transport(codex.factory()).connect()) {
            CodexSession.Builder b = CodexSession.builder().client(shared)
                    .connection(CodexClient.builder().process(CodexLaunch.appServer().codexHome(Path.of("/other")).build()).options());
            assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not both").hasMessageContaining("codex's home");
        }
    }

    @Test
    void dynamicToolsOnASharedClientWithoutTheExperimentalApiAreRefused() throws Exception {
        FakeCodex codex = new FakeCodex();
        try (CodexClient plain = CodexClient.builder().transport(codex.factory()).connect()) {
            assertThatThrownBy(() -> CodexSession.builder().client(plain).dynamicTool(LOOKUP).build())
                    .isInstanceOfSatisfying(ExperimentalApiRequiredException.class,
                            e -> assertThat(e.kind()).isEqualTo(dev.codexbridge.FailureKind.OTHER))
                    .hasMessageContaining("experimental API").hasMessageContaining("experimentalApi(true)");
            assertThat(plain.options().experimentalApi()).isFalse();
        }
        FakeCodex other = new FakeCodex();
        try (CodexClient experimental = CodexClient.builder().transport(other.factory()).experimentalApi(true).connect();
             CodexSession s = CodexSession.builder().client(experimental).dynamicTool(LOOKUP).build()) {
            assertThat(s.threadOptions()).isEqualTo(ThreadOptions.DEFAULTS);
        }
        // on a connection of its own the session turns the experimental API on itself
        CodexSession.builder().dynamicTool(LOOKUP).build().close();
    }

    @Test
    @SuppressWarnings("removal")
    void codexsApprovalSettingIsAskForApprovalAndTheOldNameIsTheSameSetting() {
        ThreadOptions byNew = ThreadOptions.builder().askForApproval("on-request").build();
        ThreadOptions byOld = ThreadOptions.builder().approvalPolicy(AskForApproval.ON_REQUEST).build();
        assertThat(byNew).isEqualTo(byOld);
        assertThat(byNew.askForApproval()).isEqualTo(AskForApproval.ON_REQUEST);
        assertThat(byNew.startParams(List.of()).path("approvalPolicy").asText()).isEqualTo("on-request");
        assertThatThrownBy(() -> ThreadOptions.builder().askForApproval("on_request"))
                .hasMessageContaining("untrusted, on-request, never, and granular");
        TurnOptions turn = TurnOptions.DEFAULTS.withAskForApproval(AskForApproval.NEVER);
        assertThat(turn.askForApproval()).isEqualTo(turn.approvalPolicy()).isEqualTo(AskForApproval.NEVER);
        assertThat(turn.turnStartParams("t", List.of(), null).path("approvalPolicy").asText()).isEqualTo("never");
    }

    /**
     * The builder's setters live partly in its package-private superclass (decision 0051): each is
     * still a public member of {@code CodexSession.Builder} returning it, and one whose parameter
     * type is generic keeps that type for reflection (the builder declares those itself).
     */
    @Test
    void everySetterIsAPublicMemberOfTheBuilderAndKeepsItsGenericParameterTypes() throws Exception {
        int setters = 0;
        for (Method m : CodexSession.Builder.class.getMethods()) {
            if (m.getReturnType() != CodexSession.Builder.class) {
                continue;
            }
            setters++;
            assertThat(CodexSession.Builder.class.getMethod(m.getName(), m.getParameterTypes()).getDeclaringClass())
                    .as(m.getName()).isEqualTo(CodexSession.Builder.class);
            Type[] generic = m.getGenericParameterTypes();
            for (int i = 0; i < generic.length; i++) {
                if (m.getParameterTypes()[i].getTypeParameters().length > 0) {
                    assertThat(generic[i]).as(m.getName() + " parameter " + i).isInstanceOf(ParameterizedType.class);
                }
            }
        }
        assertThat(setters).isEqualTo(23);
        assertThat(CodexSession.Builder.class.getMethod("onTurnEnded", java.util.function.Consumer.class).getGenericParameterTypes()[0]
                .getTypeName()).isEqualTo("java.util.function.Consumer<dev.codexbridge.session.TurnResult>");
    }
}
