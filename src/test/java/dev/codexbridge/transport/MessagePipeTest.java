package dev.codexbridge.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Inbound backpressure: demand is withheld while the reader is behind, granted again as it drains. */
class MessagePipeTest {
    private final AtomicInteger demand = new AtomicInteger();
    private final MessagePipe pipe = new MessagePipe(100, demand::incrementAndGet);

    private static byte[] line(int bytes) {
        byte[] b = new byte[bytes];
        java.util.Arrays.fill(b, (byte) 'x');
        b[bytes - 1] = '\n';
        return b;
    }

    @Test
    void demandIsGrantedPerMessageWhileBelowTheMarkAndWithheldAbove() throws IOException {
        pipe.offer(line(40));
        pipe.offer(line(40));
        assertThat(demand).hasValue(2);
        pipe.offer(line(40)); // 120 queued: past the mark
        assertThat(demand).hasValue(2);
        assertThat(pipe.queuedBytes()).isEqualTo(120);

        byte[] buf = new byte[40];
        assertThat(pipe.read(buf, 0, 40)).isEqualTo(40); // takes the first: 80 left, above half
        assertThat(demand).hasValue(2);
        assertThat(pipe.read(buf, 0, 40)).isEqualTo(40); // takes the second: 40 left, at most half
        assertThat(demand).hasValue(3);
        assertThat(pipe.read(buf, 0, 40)).isEqualTo(40);
        assertThat(demand).hasValue(3);
        assertThat(pipe.queuedBytes()).isZero();
    }

    @Test
    void aMessageLargerThanTheMarkIsStillTakenWhole() throws IOException {
        pipe.offer(line(500));
        byte[] all = pipe.readNBytes(500);
        assertThat(all).hasSize(500);
        assertThat(demand).hasValue(1);
    }

    @Test
    void endDeliversWhatIsQueuedThenEndOfStream() throws IOException {
        pipe.offer("{\"a\":1}\n".getBytes(StandardCharsets.UTF_8));
        pipe.end(null);
        pipe.offer("{\"late\":1}\n".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(pipe.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}\n");
        assertThat(pipe.read()).isEqualTo(-1);
    }

    @Test
    void aFailureIsThrownAfterTheQueuedMessages() throws IOException {
        pipe.offer("{}\n".getBytes(StandardCharsets.UTF_8));
        pipe.end(new IOException("reset"));
        assertThat(pipe.readNBytes(3)).hasSize(3);
        assertThatThrownBy(pipe::read).hasMessage("reset");
    }

    @Test
    void aReaderWaitingForAMessageWakesWhenOneArrives() throws Exception {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            pipe.offer("{\"woke\":1}\n".getBytes(StandardCharsets.UTF_8));
            pipe.end(null);
        });
        t.start();
        assertThat(new String(pipe.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"woke\":1}\n");
        t.join();
    }

    @Test
    void closingDropsWhatIsQueued() throws IOException {
        pipe.offer(line(10));
        pipe.close();
        assertThat(pipe.read()).isEqualTo(-1);
    }
}
