package dev.codexbridge.a2a;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codexbridge.testkit.ModelReply;
import io.a2a.spec.DeleteTaskPushNotificationConfigParams;
import io.a2a.spec.GetTaskPushNotificationConfigParams;
import io.a2a.spec.ListTaskPushNotificationConfigParams;
import io.a2a.spec.PushNotificationAuthenticationInfo;
import io.a2a.spec.PushNotificationConfig;
import io.a2a.spec.TaskPushNotificationConfig;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push notifications against the real codex on the scripted model: a webhook (the JDK's HTTP
 * server) hears a task's updates with its token and credentials; a 5xx is retried, a 4xx is not;
 * a dead or slow webhook does not hold up the turn; private addresses are refused unless allowed.
 */
class A2aPushLiveTest {
    @TempDir
    Path tmp;
    private LiveA2a live;
    private WebhookReceiver hook;
    private RawA2a raw;

    @AfterEach
    void tearDown() {
        LiveA2a.closeAll(hook);
        if (live != null) {
            live.close();
        }
    }

    private void boot(PushOptions push) throws Exception {
        hook = new WebhookReceiver();
        live = new LiveA2a(tmp);
        live.serverSettings = b -> b.push(push);
        live.boot(h -> { }, A2aLimits.DEFAULTS);
        raw = new RawA2a(live.server.uri());
    }

    private static List<String> kinds(List<WebhookReceiver.Hit> hits) {
        return hits.stream().map(h -> h.body().has("statusUpdate") ? h.body().at("/statusUpdate/status/state").asText()
                : h.body().has("artifactUpdate") ? "artifact:" + h.body().at("/artifactUpdate/artifact/name").asText() : "?")
                .collect(Collectors.toList());
    }

    @Test
    void theWebhookHearsEveryUpdateWithItsTokenAndCredentials() throws Exception {
        boot(PushOptions.DEFAULTS.allowingPrivateAddresses());
        live.model.enqueue(ModelReply.message("Pushed."));
        JsonNode sent = raw.rpc(LiveA2a.ALICE, "SendMessage", RawA2a.send("push me", hook.uri("/hook"), "note-1", false));
        assertThat(sent.at("/result/task/status/state").asText()).as(sent.toString()).isEqualTo("TASK_STATE_COMPLETED");

        await().atMost(Duration.ofSeconds(60)).until(() -> kinds(hook.hits).contains("TASK_STATE_COMPLETED"));
        assertThat(kinds(hook.hits)).startsWith("TASK_STATE_WORKING").endsWith("artifact:answer", "TASK_STATE_COMPLETED");
        assertThat(hook.hits).allSatisfy(h -> {
            assertThat(h.header("X-A2A-Notification-Token")).isEqualTo("note-1");
            assertThat(h.header("Authorization")).isEqualTo("Bearer hook-secret");
            assertThat(h.body().toString()).contains(sent.at("/result/task/id").asText());
        });

        JsonNode listed = raw.rpc(LiveA2a.ALICE, "ListTaskPushNotificationConfigs", A2aWire.object().put("taskId", taskId(sent)));
        assertThat(listed.at("/result/configs")).hasSize(1);
        assertThat(listed.toString()).doesNotContain("hook-secret");
        assertThat(raw.rpc(LiveA2a.BOB, "ListTaskPushNotificationConfigs", A2aWire.object().put("taskId", taskId(sent))).at("/error/code").asInt())
                .isEqualTo(A2aError.TASK_NOT_FOUND);
    }

    private static String taskId(JsonNode sent) {
        return sent.at("/result/task/id").asText();
    }

    @Test
    void aConfigSetThrough03GetsTheTaskItself() throws Exception {
        boot(PushOptions.DEFAULTS.allowingPrivateAddresses());
        live.model.enqueue(ModelReply.builder().execCommandEscalated("call-p", "echo pushed", "Needs approval").build(), ModelReply.message("Ran."));
        ObjectNode send = A2aWire.object();
        send.putObject("message").put("kind", "message").put("messageId", "m1").put("role", "user").putArray("parts").addObject()
                .put("kind", "text").put("text", "run it");
        // one config with the send itself, one set later
        send.putObject("configuration").putObject("pushNotificationConfig").put("url", hook.uri("/with-send").toString()).put("token", "note-send");
        JsonNode asked = raw.rpc03(LiveA2a.ALICE, "message/send", send).path("result");
        assertThat(asked.at("/status/state").asText()).isEqualTo("input-required");
        ObjectNode set = A2aWire.object().put("taskId", asked.path("id").asText());
        set.putObject("pushNotificationConfig").put("url", hook.uri("/hook03").toString()).put("token", "note-03");
        JsonNode made = raw.rpc03(LiveA2a.ALICE, "tasks/pushNotificationConfig/set", set);
        assertThat(made.at("/result/pushNotificationConfig/url").asText()).as(made.toString()).isEqualTo(hook.uri("/hook03").toString());

        ObjectNode answer = A2aWire.object();
        ObjectNode m = answer.putObject("message").put("kind", "message").put("messageId", "m2").put("role", "user")
                .put("taskId", asked.path("id").asText());
        m.putArray("parts").addObject().put("kind", "data").putObject("data").put("decision", "accept");
        assertThat(raw.rpc03(LiveA2a.ALICE, "message/send", answer).at("/result/status/state").asText()).isEqualTo("completed");
        await().atMost(Duration.ofSeconds(60)).until(() -> hook.hits.stream().anyMatch(h -> h.body().at("/status/state").asText().equals("completed")));
        await().atMost(Duration.ofSeconds(60)).until(() -> hook.hits.stream().filter(h -> h.body().at("/status/state").asText().equals("completed"))
                .count() == 2);
        assertThat(hook.hits).allSatisfy(h -> {
            assertThat(h.header("Authorization")).isNull();
            assertThat(h.body().path("kind").asText()).isEqualTo("task");
            assertThat(h.body().path("id").asText()).isEqualTo(asked.path("id").asText());
        });
        // the send's own config heard the task from its start: working, then input-required
        List<String> withSend = hook.hits.stream().filter(h -> "note-send".equals(h.header("X-A2A-Notification-Token")))
                .map(h -> h.body().at("/status/state").asText()).collect(Collectors.toList());
        assertThat(withSend).startsWith("working").contains("input-required").endsWith("completed");
        List<String> later = hook.hits.stream().filter(h -> "note-03".equals(h.header("X-A2A-Notification-Token")))
                .map(h -> h.body().at("/status/state").asText()).collect(Collectors.toList());
        assertThat(later).doesNotContain("input-required").endsWith("completed");
    }

    @Test
    void theJavaSdkClientSendsWithAPushConfigAndManagesConfigs() throws Exception {
        boot(PushOptions.DEFAULTS.allowingPrivateAddresses());
        live.model.enqueue(ModelReply.message("Pushed to Java."));
        try (SdkCaller alice = new SdkCaller(live.server.uri().toString(), LiveA2a.ALICE);
             SdkCaller bob = new SdkCaller(live.server.uri().toString(), LiveA2a.BOB)) {
            assertThat(alice.card.capabilities().pushNotifications()).isTrue();
            alice.client().sendMessage(SdkCaller.text("push me", null, null),
                    new PushNotificationConfig(hook.uri("/sdk").toString(), "note-sdk", null, null), null, alice.auth());
            await().atMost(Duration.ofSeconds(60)).until(() -> hook.hits.stream().anyMatch(h -> h.body().at("/status/state").asText().equals("completed")));
            String taskId = hook.hits.get(0).body().path("id").asText();
            assertThat(hook.hits).allSatisfy(h -> assertThat(h.header("X-A2A-Notification-Token")).isEqualTo("note-sdk"));

            TaskPushNotificationConfig set = alice.client().setTaskPushNotificationConfiguration(new TaskPushNotificationConfig(taskId,
                    new PushNotificationConfig(hook.uri("/second").toString(), "t2", new PushNotificationAuthenticationInfo(List.of("Bearer"), "s3cret"),
                            "second")), alice.auth());
            assertThat(set.pushNotificationConfig().id()).isEqualTo("second");
            assertThat(set.pushNotificationConfig().authentication().schemes()).containsExactly("Bearer");
            assertThat(alice.client().getTaskPushNotificationConfiguration(new GetTaskPushNotificationConfigParams(taskId, "second"), alice.auth())
                    .pushNotificationConfig().url()).isEqualTo(hook.uri("/second").toString());
            assertThat(alice.client().listTaskPushNotificationConfigurations(new ListTaskPushNotificationConfigParams(taskId), alice.auth()))
                    .extracting(c -> c.pushNotificationConfig().token()).containsExactlyInAnyOrder("note-sdk", "t2");
            alice.client().deleteTaskPushNotificationConfigurations(new DeleteTaskPushNotificationConfigParams(taskId, "second"), alice.auth());
            assertThat(alice.client().listTaskPushNotificationConfigurations(new ListTaskPushNotificationConfigParams(taskId), alice.auth())).hasSize(1);
            assertThatThrownBy(() -> bob.client().listTaskPushNotificationConfigurations(new ListTaskPushNotificationConfigParams(taskId), bob.auth()))
                    .hasMessageContaining("task not found");
        }
    }

    @Test
    void a503IsRetriedWithBackoffAndA400IsNot() throws Exception {
        boot(PushOptions.DEFAULTS.allowingPrivateAddresses().withRetries(4, Duration.ofMillis(100)));
        hook.answering(503, 400);
        live.model.enqueue(ModelReply.message("Retried."));
        raw.rpc(LiveA2a.ALICE, "SendMessage", RawA2a.send("retry me", hook.uri("/hook"), "note-r", false));

        await().atMost(Duration.ofSeconds(60)).until(() -> kinds(hook.hits).contains("TASK_STATE_COMPLETED"));
        List<WebhookReceiver.Hit> hits = hook.hits;
        // the first update: 503, then sent again after the backoff and answered 400, then never again
        assertThat(hits.get(0).answered()).isEqualTo(503);
        assertThat(hits.get(1).answered()).isEqualTo(400);
        assertThat(hits.get(1).body()).isEqualTo(hits.get(0).body());
        assertThat(Duration.ofNanos(hits.get(1).atNanos() - hits.get(0).atNanos())).isGreaterThanOrEqualTo(Duration.ofMillis(90));
        assertThat(hits.subList(2, hits.size())).extracting(WebhookReceiver.Hit::body).doesNotContain(hits.get(0).body());
        assertThat(hits.subList(2, hits.size())).allSatisfy(h -> assertThat(h.answered()).isEqualTo(200));
    }

    @Test
    void aDeadOrSlowWebhookDoesNotDelayTheTurn() throws Exception {
        // a POST may wait as long as the turn takes: the slow webhook is never given up on meanwhile
        boot(PushOptions.DEFAULTS.allowingPrivateAddresses().withRetries(3, Duration.ofSeconds(1)).withTimeout(Duration.ofSeconds(300)));
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        hook.hold();        // the slow webhook answers nothing until the turn has ended
        live.model.enqueue(ModelReply.message("Not held up."));
        JsonNode sent = raw.rpc(LiveA2a.ALICE, "SendMessage", RawA2a.send("go", URI.create("http://127.0.0.1:" + dead + "/gone"), "n", true));
        String taskId = sent.at("/result/task/id").asText();
        ObjectNode slow = A2aWire.object().put("taskId", taskId).put("url", hook.uri("/slow").toString());
        assertThat(raw.rpc(LiveA2a.ALICE, "CreateTaskPushNotificationConfig", slow).has("result")).isTrue();
        await().atMost(Duration.ofSeconds(120)).until(() -> raw.rpc(LiveA2a.ALICE, "GetTask", A2aWire.object().put("id", taskId))
                .at("/result/status/state").asText().equals("TASK_STATE_COMPLETED"));
        // the turn ended while the slow webhook held its first update unanswered
        await().atMost(Duration.ofSeconds(60)).until(() -> hook.arrived() >= 1);
        assertThat(hook.hits).isEmpty();
        hook.release();
        await().atMost(Duration.ofSeconds(60)).until(() -> kinds(hook.hits).contains("TASK_STATE_COMPLETED"));
    }

    @Test
    void privateAndNonHttpWebhooksAreRefusedByDefault() throws Exception {
        boot(PushOptions.DEFAULTS);
        live.model.enqueue(ModelReply.message("Done."));
        JsonNode sent = raw.rpc(LiveA2a.ALICE, "SendMessage", RawA2a.send("hello", null, null, false));
        String taskId = sent.at("/result/task/id").asText();
        for (String url : List.of(hook.uri("/hook").toString(), "http://10.1.2.3/hook", "http://169.254.169.254/latest", "http://[::1]:9/x", "http://100.100.1.1/x",
                "ftp://example.org/x", "not a url")) {
            JsonNode r = raw.rpc(LiveA2a.ALICE, "CreateTaskPushNotificationConfig", A2aWire.object().put("taskId", taskId).put("url", url));
            assertThat(r.at("/error/code").asInt()).as(url).isEqualTo(A2aError.INVALID_PARAMS);
            assertThat(r.at("/error/message").asText()).as(url).containsAnyOf("loopback, link-local or private", "http or https", "not a URL");
        }
        // bounded per task
        live.server.close();
        live.serverSettings = b -> b.push(PushOptions.DEFAULTS.allowingPrivateAddresses());
        live.model.enqueue(ModelReply.message("Again."));
        live.boot(h -> { }, A2aLimits.DEFAULTS);
        raw = new RawA2a(live.server.uri());
        String again = raw.rpc(LiveA2a.ALICE, "SendMessage", RawA2a.send("hello", null, null, false)).at("/result/task/id").asText();
        for (int i = 0; i < PushOptions.DEFAULTS.configsPerTask(); i++) {
            assertThat(raw.rpc(LiveA2a.ALICE, "CreateTaskPushNotificationConfig", A2aWire.object().put("taskId", again)
                    .put("url", hook.uri("/h" + i).toString())).has("result")).isTrue();
        }
        JsonNode full = raw.rpc(LiveA2a.ALICE, "CreateTaskPushNotificationConfig", A2aWire.object().put("taskId", again)
                .put("url", hook.uri("/one-more").toString()));
        assertThat(full.at("/error/message").asText()).contains("has 8 push configs already");
    }
}
