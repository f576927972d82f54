package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.approval.ApprovalChoice;
import dev.codexbridge.approval.ApprovalDecision;
import org.junit.jupiter.api.Test;

/** The caller's answer to an {@code input-required} task, as docs/a2a.md documents it. */
class InputRequestsTest {
    private static ApprovalDecision answer(String parts) throws Exception {
        JsonNode m = A2aWire.JSON.readTree("{\"role\":\"user\",\"parts\":" + parts + "}");
        return InputRequests.decision(m);
    }

    @Test
    void eachDecisionMapsToItsChoice() throws Exception {
        assertThat(answer("[{\"kind\":\"data\",\"data\":{\"decision\":\"accept\"}}]").choice()).isEqualTo(ApprovalChoice.ONCE);
        assertThat(answer("[{\"kind\":\"data\",\"data\":{\"decision\":\"acceptForSession\"}}]").choice()).isEqualTo(ApprovalChoice.SESSION);
        assertThat(answer("[{\"kind\":\"data\",\"data\":{\"decision\":\"decline\"}}]").choice()).isEqualTo(ApprovalChoice.DENY);
        assertThat(answer("[{\"kind\":\"data\",\"data\":{\"decision\":\"cancel\"}}]").choice()).isEqualTo(ApprovalChoice.CANCEL);
        assertThat(answer("[{\"kind\":\"text\",\"text\":\" decline \"}]").choice()).isEqualTo(ApprovalChoice.DENY);
        // a data part wins over a text part beside it
        assertThat(answer("[{\"kind\":\"text\",\"text\":\"accept\"},{\"kind\":\"data\",\"data\":{\"decision\":\"decline\"}}]").choice())
                .isEqualTo(ApprovalChoice.DENY);
    }

    @Test
    void contentTravelsWithAnAccept() throws Exception {
        ApprovalDecision d = answer("[{\"kind\":\"data\",\"data\":{\"decision\":\"accept\",\"content\":{\"q1\":\"yes\"}}}]");
        assertThat(d.choice()).isEqualTo(ApprovalChoice.ONCE);
        assertThat(d.contentJson()).isEqualTo("{\"q1\":\"yes\"}");
    }

    @Test
    void anythingElseIsAClearError() {
        assertThatThrownBy(() -> answer("[{\"kind\":\"text\",\"text\":\"sure, go ahead\"}]")).isInstanceOf(A2aError.class)
                .hasMessage("unknown decision 'sure, go ahead': expected accept, acceptForSession, decline or cancel");
        assertThatThrownBy(() -> answer("[]")).isInstanceOf(A2aError.class).hasMessageContaining("send a data part {\"decision\"");
        assertThatThrownBy(() -> answer("[{\"kind\":\"data\",\"data\":{\"decision\":\"always\"}}]"))
                .satisfies(e -> assertThat(((A2aError) e).code()).isEqualTo(A2aError.INVALID_PARAMS));
    }
}
