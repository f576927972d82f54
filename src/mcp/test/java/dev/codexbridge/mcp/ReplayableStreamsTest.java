package dev.codexbridge.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The replay store and its streams without a server: ids, bounds, time to live, and whose a stream is. */
class ReplayableStreamsTest {
    private final AtomicLong now = new AtomicLong();
    private final ReplayLimits limits = new ReplayLimits(3, 1024, Duration.ofSeconds(60), 2);
    private final ReplayableStreams streams = new ReplayableStreams(limits, now::get);

    /** A connection that records what it got and can go away. */
    static final class Client implements ReplayableStream.Sink {
        final List<String> frames = new ArrayList<>();
        boolean gone;
        boolean ended;

        @Override
        public boolean write(String frame) {
            if (gone) {
                return false;
            }
            frames.add(frame);
            return true;
        }

        @Override
        public void end() {
            ended = true;
        }

        List<String> data() {
            return frames.stream().map(f -> f.substring(f.indexOf("data: ") + 6, f.length() - 2)).toList();
        }

        String lastId() {
            String f = frames.get(frames.size() - 1);
            return f.substring(4, f.indexOf('\n'));
        }
    }

    @Test
    void aClientThatWentAwayGetsTheRestInOrderThenTheStreamsNextEventsUntilItsEnd() {
        ReplayableStream s = streams.open("alice", "s1");
        Client first = new Client();
        s.attach(first);
        s.append("message", "one");
        first.gone = true;
        s.append("message", "two");
        s.append("message", "three");
        assertThat(first.data()).containsExactly("one");
        assertThat(first.lastId()).isEqualTo(s.key + "-1").matches(ReplayableStreams::isOurs);

        ReplayableStreams.Position at = streams.find(first.lastId(), "alice", "s1").orElseThrow();
        Client back = new Client();
        assertThat(at.stream().resume(at.seq(), back)).isTrue();
        assertThat(back.data()).containsExactly("two", "three");
        s.append("message", "result");
        assertThat(back.data()).containsExactly("two", "three", "result");
        assertThat(back.ended).isFalse();
        streams.end(s);
        assertThat(back.ended).isTrue();

        // after the end, within its time to live, the stream can still be read again (but for "one": 3 events are kept)
        Client late = new Client();
        assertThat(s.resume(0, late)).isFalse();
        assertThat(s.resume(1, late)).isTrue();
        assertThat(late.data()).containsExactly("two", "three", "result");
        assertThat(late.ended).isTrue();
        assertThat(late.frames.get(2)).isEqualTo("id: " + s.key + "-4\nevent: message\ndata: result\n\n");
    }

    @Test
    void aStreamIsOnlyItsPrincipalsOnItsSession() {
        ReplayableStream s = streams.open("alice", "s1");
        s.append("message", "secret");
        String id = s.id(1);
        assertThat(streams.find(id, "alice", "s1")).isPresent();
        assertThat(streams.find(id, "bob", "s1")).isEmpty();
        assertThat(streams.find(id, "alice", "s2")).isEmpty();
        assertThat(streams.find("0123456789abcdef0123456789abcdef-1", "alice", "s1")).as("an unknown key").isEmpty();
        assertThat(ReplayableStreams.isOurs("sdk-transport_uuid")).as("the SDK's ids are left to it").isFalse();
        streams.forget("alice", "s1");
        assertThat(streams.find(id, "alice", "s1")).as("its MCP session was deleted").isEmpty();
    }

    @Test
    void eventsBeyondTheBoundsAreDroppedOldestFirstAndAResumeBeforeThemIsRefused() {
        ReplayableStream s = streams.open("alice", "s1");
        for (int i = 1; i <= 5; i++) {
            s.append("message", "e" + i);
        }
        assertThat(s.eventsKept()).isEqualTo(3);
        assertThat(s.covers(1)).as("e2 was dropped").isFalse();
        assertThat(s.resume(1, new Client())).isFalse();
        assertThat(s.covers(2)).isTrue();
        assertThat(s.covers(6)).as("an id never given out").isFalse();
        Client c = new Client();
        assertThat(s.resume(2, c)).isTrue();
        assertThat(c.data()).containsExactly("e3", "e4", "e5");

        // bytes: one event larger than the bound is kept alone, so a stream's last event (the result) survives
        ReplayableStream big = streams.open("alice", "s1");
        big.append("message", "x".repeat(600));
        big.append("message", "y".repeat(600));
        assertThat(big.eventsKept()).isEqualTo(1);
        assertThat(big.bytesKept()).isEqualTo(600);
        big.append("message", "z".repeat(2000));
        assertThat(big.eventsKept()).isEqualTo(1);
        assertThat(big.covers(2)).isTrue();
    }

    @Test
    void anEndedStreamExpiresAfterItsTimeToLiveAndTheOldestEndedOneMakesRoom() {
        ReplayableStream a = streams.open("alice", "s1");
        a.append("message", "a");
        ReplayableStream b = streams.open("alice", "s1");
        b.append("message", "b");
        streams.end(b);
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        // the bound is 2: b (ended) makes room, a (still running) stays
        ReplayableStream c = streams.open("bob", "s9");
        assertThat(streams.find(b.id(1), "alice", "s1")).isEmpty();
        assertThat(streams.find(a.id(1), "alice", "s1")).isPresent();

        streams.end(a);
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(streams.find(a.id(1), "alice", "s1")).as("within its time to live").isPresent();
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(streams.find(a.id(1), "alice", "s1")).as("expired").isEmpty();
        assertThat(streams.size()).isEqualTo(1);
        // a running stream never expires
        now.addAndGet(Duration.ofHours(1).toNanos());
        c.append("message", "c");
        assertThat(streams.find(c.id(1), "bob", "s9")).isPresent();
    }

    @Test
    void theTeeParsesTheSdksEventsAndDropsItsIds() {
        List<String> got = new ArrayList<>();
        PrintWriter w = new PrintWriter(new SseTee((type, data) -> got.add(type + "|" + data)));
        w.write("id: sdk-1\nevent: message\ndata: {\"a\":1}\n\n");
        w.write("id: sdk-2\nevent: message\n");
        w.flush();
        assertThat(got).containsExactly("message|{\"a\":1}");
        w.write("data: two\ndata: lines\n\n: a comment\n\n");
        w.flush();
        assertThat(got).containsExactly("message|{\"a\":1}", "message|two\nlines");
        assertThat(w.checkError()).isFalse();
    }
}
