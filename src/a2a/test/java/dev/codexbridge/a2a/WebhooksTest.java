package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The webhook sender on its own: order per webhook, the bounded queue, time-outs retried then given up. */
class WebhooksTest {
    private WebhookReceiver hook;
    private Webhooks webhooks;

    @BeforeEach
    void setUp() throws Exception {
        hook = new WebhookReceiver();
    }

    @AfterEach
    void tearDown() {
        LiveA2a.closeAll(webhooks, hook);
    }

    private PushConfig config(String path) {
        return new PushConfig("c", "t", hook.uri(path), "tok", null, null, A2aVersion.V1_0);
    }

    private static byte[] note(int n) {
        return ("{\"n\": " + n + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void notificationsReachAWebhookInOrder() {
        webhooks = new Webhooks(PushOptions.DEFAULTS.allowingPrivateAddresses());
        for (int i = 0; i < 20; i++) {
            webhooks.send(config("/ordered"), note(i));
        }
        // the hook counts a notification as it reads it, the sender once it has read the answer
        await().atMost(Duration.ofSeconds(60)).until(() -> hook.hits.size() == 20 && webhooks.delivered.get() == 20);
        assertThat(hook.hits).extracting(h -> h.body().path("n").asInt()).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void aFullQueueDropsTheNewestAndTheRestStillArrive() {
        webhooks = new Webhooks(new PushOptions(true, 8, 2, 1, Duration.ZERO, Duration.ofSeconds(10)));
        hook.hold();        // no answer until all six are sent, however long sending them takes
        for (int i = 0; i < 6; i++) {
            webhooks.send(config("/slow"), note(i));
        }
        // one in flight, two waiting: three or four of the six are dropped at once, without waiting
        assertThat(webhooks.dropped.get()).isBetween(3L, 4L);
        hook.release();
        await().atMost(Duration.ofSeconds(60)).until(() -> webhooks.delivered.get() + webhooks.dropped.get() == 6);
        assertThat(hook.hits).extracting(h -> h.body().path("n").asInt()).startsWith(0).isSorted();
    }

    @Test
    void aWebhookSlowerThanTheTimeoutIsTriedAgainThenGivenUp() {
        webhooks = new Webhooks(new PushOptions(true, 8, 8, 2, Duration.ofMillis(50), Duration.ofMillis(300)));
        hook.hold();        // slower than the 300 ms timeout on any machine: it answers only when released
        webhooks.send(config("/too-slow"), note(1));
        await().atMost(Duration.ofSeconds(60)).until(() -> webhooks.dropped.get() == 1);
        assertThat(webhooks.delivered.get()).isZero();
        // both attempts reached the webhook (it answers after the sender stopped waiting)
        await().atMost(Duration.ofSeconds(60)).until(() -> hook.arrived() == 2);
        hook.release();
        await().atMost(Duration.ofSeconds(60)).until(() -> hook.hits.size() == 2);
    }
}
