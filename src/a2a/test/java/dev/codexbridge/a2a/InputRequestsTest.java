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

    private static ApprovalDecision said(String text) throws Exception {
        return answer("[{\"kind\":\"text\",\"text\":" + A2aWire.JSON.writeValueAsString(text) + "}]");
    }

    @Test
    void freeTextAnswersByTheDocumentedWordsInAnyCase() throws Exception {
        for (String yes : new String[] {"yes", "Yes", "YES.", "approve", "Approved!", "accept", "ok", "OK", "okay", "allow", "y", " \"yes\" "}) {
            assertThat(said(yes).choice()).as(yes).isEqualTo(ApprovalChoice.ONCE);
        }
        for (String always : new String[] {"always", "acceptForSession", "Approve for session"}) {
            assertThat(said(always).choice()).as(always).isEqualTo(ApprovalChoice.SESSION);
        }
        for (String no : new String[] {"no", "No.", "decline", "DENY", "reject", "n"}) {
            assertThat(said(no).choice()).as(no).isEqualTo(ApprovalChoice.DENY);
        }
        for (String stop : new String[] {"cancel", "Stop", "abort!"}) {
            assertThat(said(stop).choice()).as(stop).isEqualTo(ApprovalChoice.CANCEL);
        }
        // two text parts read as one text
        assertThat(answer("[{\"kind\":\"text\",\"text\":\"approve for\"},{\"kind\":\"text\",\"text\":\"session\"}]").choice())
                .isEqualTo(ApprovalChoice.SESSION);
    }

    @Test
    void textThatIsNoneOfTheWordsAnswersNothing() throws Exception {
        // not a guess: a sentence around a word is not the word
        for (String other : new String[] {"sure, go ahead", "yes but only in /tmp", "no way... actually yes", "maybe", "", "yess"}) {
            assertThat(said(other)).as(other).isNull();
        }
        assertThat(answer("[]")).isNull();
        // a data part without a decision is no answer either
        assertThat(answer("[{\"kind\":\"data\",\"data\":{\"note\":\"hi\"}}]")).isNull();
        assertThat(InputRequests.notUnderstood("sure, go ahead")).startsWith("\"sure, go ahead\" is not an answer")
                .contains("yes, approve, accept, allow or ok", "no, decline, deny or reject", "cancel, stop or abort");
    }

    @Test
    void aStructuredAnswerIsCheckedAndAFileIsRefused() {
        assertThatThrownBy(() -> answer("[{\"kind\":\"data\",\"data\":{\"decision\":\"perhaps\"}}]"))
                .satisfies(e -> assertThat(((A2aError) e).code()).isEqualTo(A2aError.INVALID_PARAMS))
                .hasMessage("unknown decision 'perhaps': expected accept, acceptForSession, decline or cancel");
        assertThatThrownBy(() -> answer("[{\"kind\":\"file\",\"file\":{\"uri\":\"https://example.org/a\"}}]"))
                .satisfies(e -> assertThat(((A2aError) e).code()).isEqualTo(A2aError.CONTENT_TYPE_NOT_SUPPORTED));
    }

    @Test
    void aStructuredDecisionIsReadInAnyCase() throws Exception {
        assertThat(answer("[{\"kind\":\"data\",\"data\":{\"decision\":\"Decline\"}}]").choice()).isEqualTo(ApprovalChoice.DENY);
        assertThat(answer("[{\"kind\":\"data\",\"data\":{\"decision\":\"ACCEPTFORSESSION\"}}]").choice()).isEqualTo(ApprovalChoice.SESSION);
    }
}
