package dev.codexbridge.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.support.LiveCodex;
import dev.codexbridge.support.TestDirs;
import dev.codexbridge.testkit.IsolatedCodexHome;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.RecordedRequest;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/tenants.md's example against the real codex: a user's first message, then the same conversation resumed. */
class TenantHostTest {
    /** Under target/: a homes root under /tmp (where @TempDir is) is refused. */
    private final Path tmp = TestDirs.create("tenants");

    @Test
    void theTenantExampleAnswersAUserAndResumesTheConversation() throws Exception {
        LiveCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            String template = IsolatedCodexHome.builder(tmp.resolve("unused"), model.baseUrl()).configToml();
            model.enqueue(ModelReply.message("first answer"), ModelReply.message("second answer"));
            try (TenantHost host = new TenantHost(tmp.resolve("tenants"), tmp.resolve("work"), template, user -> null)) {
                String first = host.answer("alice", null, "hello");
                assertThat(first).endsWith(": first answer");
                String thread = first.substring(0, first.indexOf(':'));
                assertThat(host.answer("alice", thread, "and again")).isEqualTo(thread + ": second answer");
            }
            List<RecordedRequest> requests = model.responsesRequests();
            assertThat(requests.get(requests.size() - 1).userTexts()).contains("hello", "and again");
        } finally {
            TestDirs.delete(tmp);
        }
    }
}
