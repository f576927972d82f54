package dev.codexbridge.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codexbridge.rpc.MessageSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Inbound backpressure: demand is withheld while the reader is behind, granted again as it drains. */
class MessageQueueTest {
    private static final Runnable NOTHING = () -> { };
    private final AtomicInteger demand = new AtomicInteger();
    private final MessageQueue queue = new MessageQueue(100, demand::incrementAndGet);

    private static byte[] message(int bytes) {
        byte[] b = new byte[bytes];
        java.util.Arrays.fill(b, (byte) 'x');
        return b;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Every message until the end, as text. */
    private List<String> readAll() throws IOException {
        List<String> all = new ArrayList<>();
        int n;
        while ((n = queue.next(NOTHING)) != MessageSource.END) {
            all.add(new String(queue.buffer(), queue.offset(), n, StandardCharsets.UTF_8));
        }
        return all;
    }

    @Test
    void demandIsGrantedPerMessageWhileBelowTheMarkAndWithheldAbove() throws IOException {
        queue.offer(message(40));
        queue.offer(message(40));
        assertThat(demand).hasValue(2);
        queue.offer(message(40)); // 120 queued: past the mark
        assertThat(demand).hasValue(2);
        assertThat(queue.queuedBytes()).isEqualTo(120);

        assertThat(queue.next(NOTHING)).isEqualTo(40); // takes the first: 80 left, above half
        assertThat(demand).hasValue(2);
        assertThat(queue.next(NOTHING)).isEqualTo(40); // takes the second: 40 left, at most half
        assertThat(demand).hasValue(3);
        assertThat(queue.next(NOTHING)).isEqualTo(40);
        assertThat(demand).hasValue(3);
        assertThat(queue.queuedBytes()).isZero();
    }

    @Test
    void aMessageLargerThanTheMarkIsStillTakenWhole() throws IOException {
        queue.offer(message(500));
        assertThat(queue.next(NOTHING)).isEqualTo(500);
        assertThat(demand).hasValue(1);
    }

    @Test
    void endDeliversWhatIsQueuedThenEndOfStream() throws IOException {
        queue.offer(utf8("{\"a\":1}"));
        queue.end(null);
        queue.offer(utf8("{\"late\":1}"));
        assertThat(readAll()).containsExactly("{\"a\":1}");
        assertThat(queue.next(NOTHING)).isEqualTo(MessageSource.END);
    }

    @Test
    void aFailureIsThrownAfterTheQueuedMessages() throws IOException {
        queue.offer(utf8("{}"));
        queue.end(new IOException("reset"));
        assertThat(queue.next(NOTHING)).isEqualTo(2);
        assertThatThrownBy(() -> queue.next(NOTHING)).hasMessage("reset");
    }

    @Test
    void aReaderWaitingForAMessageWakesWhenOneArrives() throws Exception {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            queue.offer(utf8("{\"woke\":1}"));
            queue.end(null);
        });
        t.start();
        assertThat(readAll()).containsExactly("{\"woke\":1}");
        t.join();
    }

    @Test
    void theReaderHearsBeforeItWaitsAndOnlyThen() throws IOException {
        AtomicInteger waits = new AtomicInteger();
        queue.offer(utf8("{\"a\":1}"));
        queue.offer(utf8("{\"b\":2}"));
        assertThat(queue.next(waits::incrementAndGet)).isEqualTo(7);
        assertThat(queue.next(waits::incrementAndGet)).isEqualTo(7);
        assertThat(waits).hasValue(0);
        queue.end(null);
        assertThat(queue.next(waits::incrementAndGet)).isEqualTo(MessageSource.END);
        assertThat(waits).hasValue(1);
    }

    @Test
    void closingDropsWhatIsQueued() throws IOException {
        queue.offer(message(10));
        queue.close();
        assertThat(queue.next(NOTHING)).isEqualTo(MessageSource.END);
    }
}
