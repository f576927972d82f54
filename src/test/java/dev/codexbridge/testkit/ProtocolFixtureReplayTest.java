package dev.codexbridge.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codexbridge.client.CodexClient;
import dev.codexbridge.support.ProtocolFixtures;
import dev.codexbridge.support.ProtocolGroups;
import dev.codexbridge.support.WireSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays each protocol group's recording ({@code fixtures/protocol/<group>.jsonl}, recorded from
 * the real codex by {@code ProtocolGroupsLiveTest}) through a {@link CodexClient} running the same
 * driver as the live test, with no codex: the client must send exactly what was recorded, and the
 * driver's assertions must hold on the recorded answers.
 */
class ProtocolFixtureReplayTest {
    @TestFactory
    Stream<DynamicTest> everyGroupReplaysThroughTheClient() {
        return ProtocolGroups.all().stream().map(g -> DynamicTest.dynamicTest(g.name(), () -> replay(g)));
    }

    private static void replay(ProtocolGroups.Group group) throws Exception {
        FixtureReplayer replay = FixtureReplayer.load(ProtocolFixtures.file(group.name()));
        assertThat(replay.scenario()).isEqualTo(group.name());
        try (CodexClient client = CodexClient.builder().transport(replay.transport()).requestTimeout(Duration.ofSeconds(20)).connect()) {
            group.driver().run(client, ProtocolGroups.Env.PLACEHOLDERS);
        }
        replay.assertReplayed();
    }

    @Test
    void everyFixtureBelongsToAGroupAndEveryGroupHasOne() throws IOException {
        List<String> files;
        try (Stream<Path> s = Files.list(ProtocolFixtures.DIR)) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jsonl")).map(n -> n.substring(0, n.length() - 6)).sorted().toList();
        }
        assertThat(files).containsExactlyInAnyOrderElementsOf(ProtocolGroups.all().stream().map(ProtocolGroups.Group::name).toList());
    }

    @Test
    void everyRecordedClientMessageMatchesThePinnedSchema() {
        for (ProtocolGroups.Group g : ProtocolGroups.all()) {
            for (JsonNode line : ProtocolFixtures.lines(ProtocolFixtures.file(g.name()))) {
                if (line.path("dir").asText().equals("out") && line.path("msg").has("method")) {
                    assertThat(WireSchema.pinned().validateOutgoing(line.get("msg"))).as("%s: %s", g.name(), line).isEmpty();
                }
            }
        }
    }
}
