package dev.codexbridge.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.support.ProtocolDoc;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/protocol.md lists every method of the pinned codex with the API codex-bridge offers for it
 * and what exercises it (see {@link ProtocolDoc}). With {@code -Dcodexbridge.writeProtocolDoc=true}
 * the file is regenerated first.
 */
class ProtocolDocTest {
    @Test
    void docsProtocolMdListsEveryMethodWithItsApiAndCoverage() throws Exception {
        if (Boolean.getBoolean("codexbridge.writeProtocolDoc")) {
            ProtocolDoc.main(new String[0]);
        }
        assertThat(ClientRequests.ALL.stream().filter(m -> !m.experimental())).as("stable client requests of codex 0.171.0").hasSize(110);
        assertThat(ServerRequests.ALL.stream().filter(m -> !m.experimental())).as("stable server requests of codex 0.171.0").hasSize(10);
        assertThat(ServerNotifications.ALL).as("notifications of codex 0.171.0").hasSize(87);

        Map<String, ProtocolDoc.Row> documented = ProtocolDoc.parse(Files.readString(ProtocolDoc.FILE));
        List<ProtocolDoc.Row> expected = new ArrayList<>();
        expected.addAll(ProtocolDoc.clientRows());
        expected.addAll(ProtocolDoc.serverRequestRows());
        expected.addAll(ProtocolDoc.notificationRows());
        String regenerate = "; regenerate with mvn -B -ntp -o test -Dtest=ProtocolDocTest -Dcodexbridge.writeProtocolDoc=true";

        assertThat(documented.keySet()).as("methods in docs/protocol.md" + regenerate)
                .containsExactlyInAnyOrderElementsOf(expected.stream().map(ProtocolDoc.Row::method).distinct().toList());
        for (ProtocolDoc.Row row : expected) {
            ProtocolDoc.Row doc = documented.get(row.method());
            assertThat(doc.api()).as("API of %s in docs/protocol.md%s", row.method(), regenerate).isEqualTo(row.api());
            assertThat(doc.coverage().equals(ProtocolDoc.NOT_EXERCISED))
                    .as("docs/protocol.md says %s is %s, the fixtures say %s%s", row.method(), doc.coverage(), row.coverage(), regenerate)
                    .isEqualTo(row.coverage().equals(ProtocolDoc.NOT_EXERCISED));
            Matcher fixture = Pattern.compile("fixtures/protocol/([a-z-]+)\\.jsonl").matcher(doc.coverage());
            while (fixture.find()) {
                assertThat(row.coverage()).as("%s is claimed to be covered by %s", row.method(), fixture.group()).contains(fixture.group());
            }
        }
    }

    @Test
    void everyStableMethodHasATypedCodexApiMethod() {
        Map<String, String> api = ProtocolDoc.codexApiMethods();
        for (RequestMethod<?, ?> m : ClientRequests.ALL) {
            assertThat(api.containsKey(m.method())).as("CodexApi method for %s", m.method()).isEqualTo(!m.experimental());
        }
    }
}
