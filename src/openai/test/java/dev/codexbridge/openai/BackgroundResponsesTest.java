package dev.codexbridge.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.json.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the door keeps of a background response's events, and for whom: a stream picked up again, the bounds. */
class BackgroundResponsesTest {

    private static ObjectNode event(int sequence) {
        return Json.object().put("type", "response.output_text.delta").put("sequence_number", sequence).put("delta", "d" + sequence);
    }

    /** The sequence numbers a stream wrote, until its end. */
    private static List<Integer> written(SseStream stream) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        stream.writeTo(out, SseStream::typed, "");
        return Arrays.stream(out.toString(StandardCharsets.UTF_8).split("\n")).filter(l -> l.startsWith("data: "))
                .map(l -> Json.parse(l.substring(6)).path("sequence_number").asInt()).toList();
    }

    private static BackgroundResponses.Live live(String id, String principal) {
        BackgroundResponses.EventLog log = new BackgroundResponses.EventLog();
        return new BackgroundResponses.Live(id, principal, null, log);
    }

    @Test
    void aStreamPickedUpAgainGetsWhatCameAfterItsLastEventThenTheRestAsItComes() throws Exception {
        BackgroundResponses.EventLog log = new BackgroundResponses.EventLog();
        for (int i = 0; i < 4; i++) {
            log.add(event(i));
        }
        SseStream again = new SseStream();
        assertThat(log.follow(1, again)).isTrue();
        CompletableFuture<List<Integer>> read = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                read.complete(written(again));
            } catch (Exception e) {
                read.completeExceptionally(e);
            }
        });
        reader.start();
        log.add(event(4));
        log.add(event(5));
        log.end();
        assertThat(read.get(10, TimeUnit.SECONDS)).containsExactly(2, 3, 4, 5);

        SseStream whole = new SseStream();
        assertThat(log.follow(-1, whole)).as("after the end, every kept event, and the end").isTrue();
        assertThat(written(whole)).containsExactly(0, 1, 2, 3, 4, 5);
    }

    @Test
    void aStreamLeftIsNoLongerFedAndTheOthersAre() throws Exception {
        BackgroundResponses.EventLog log = new BackgroundResponses.EventLog();
        SseStream left = new SseStream();
        SseStream stays = new SseStream();
        log.follow(-1, left);
        log.follow(-1, stays);
        log.add(event(0));
        log.unfollow(left);
        log.add(event(1));
        log.end();
        assertThat(written(stays)).containsExactly(0, 1);
        left.end();
        assertThat(written(left)).containsExactly(0);
    }

    @Test
    void aResponseWithMoreEventsThanKeptStillStreamsToItsFollowersButCannotBeReplayed() throws Exception {
        BackgroundResponses.EventLog log = new BackgroundResponses.EventLog();
        SseStream following = new SseStream();
        log.follow(-1, following);
        for (int i = 0; i <= BackgroundResponses.MAX_EVENTS; i++) {
            log.add(event(i));
        }
        log.end();
        assertThat(written(following)).hasSize(BackgroundResponses.MAX_EVENTS + 1);
        assertThat(log.replayable()).isFalse();
        assertThat(log.follow(-1, new SseStream())).isFalse();
    }

    @Test
    void anEndedResponsesEventsAreItsPrincipalsAndTheOldestAreLetGoPastTheBound() {
        BackgroundResponses backgrounds = new BackgroundResponses();
        BackgroundResponses.Live first = live("resp_first", "alice");
        backgrounds.start(first);
        assertThat(backgrounds.live("alice", "resp_first")).isSameAs(first);
        assertThat(backgrounds.live("bob", "resp_first")).as("another principal's, as none").isNull();
        for (int i = 0; i < BackgroundResponses.MAX_EVENTS; i++) {
            first.events.add(event(i));
        }
        backgrounds.end(first, Json.object().put("status", "completed"));
        assertThat(backgrounds.live("alice", "resp_first")).isNull();
        assertThat(first.ended).isCompleted();
        assertThat(backgrounds.events("alice", "resp_first")).isSameAs(first.events);
        assertThat(backgrounds.events("bob", "resp_first")).isNull();

        // ended responses' events up to the bound in all are kept; one more lets the oldest go
        List<BackgroundResponses.Live> later = new java.util.ArrayList<>();
        for (int r = 1; r <= BackgroundResponses.MAX_ENDED_EVENTS / BackgroundResponses.MAX_EVENTS; r++) {
            BackgroundResponses.Live next = live("resp_" + r, "alice");
            backgrounds.start(next);
            for (int i = 0; i < (r == BackgroundResponses.MAX_ENDED_EVENTS / BackgroundResponses.MAX_EVENTS ? 1 : BackgroundResponses.MAX_EVENTS); i++) {
                next.events.add(event(i));
            }
            backgrounds.end(next, Json.object().put("status", "completed"));
            later.add(next);
        }
        assertThat(backgrounds.events("alice", "resp_first")).as("the oldest, let go past the bound").isNull();
        for (BackgroundResponses.Live l : later) {
            assertThat(backgrounds.events("alice", l.id)).isSameAs(l.events);
        }

        BackgroundResponses.Live refused = live("resp_refused", "alice");
        backgrounds.start(refused);
        backgrounds.end(refused, null);
        assertThat(refused.ended).as("a turn that never began").isCancelled();
        assertThat(backgrounds.events("alice", "resp_refused")).isNull();
    }
}
