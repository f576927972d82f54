package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codexbridge.client.CodexClient;
import dev.codexbridge.process.CodexLaunch;
import dev.codexbridge.session.CodexSession;
import dev.codexbridge.session.TurnInput;
import dev.codexbridge.session.TurnLimits;
import dev.codexbridge.session.TurnOptions;
import dev.codexbridge.session.TurnStreamEvent;
import dev.codexbridge.testkit.ModelReply;
import dev.codexbridge.testkit.ScriptedModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.codec.ServerSentEvent;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;

/** {@link TurnFlux}: a real offline turn as Reactor server-sent events, and a stream that fails ending with {@code failed}. */
class TurnFluxLiveTest {
    @TempDir
    Path tmp;

    @Test
    void aRealTurnStreamsAsServerSentEventsEndingWithTheResult() throws Exception {
        Path binary = OfflineCodex.binary();
        try (ScriptedModelServer model = ScriptedModelServer.start()) {
            model.enqueue(ModelReply.builder().streamedMessage(List.of("Streamed ", "through ", "Reactor")).build());
            Path work = Files.createDirectories(tmp.resolve("work"));
            Path home = OfflineCodex.home(tmp.resolve("home"), model, "never");
            try (CodexClient client = CodexClient.builder().process(CodexLaunch.appServer(binary).codexHome(home).workingDirectory(work).build())
                    .connect();
                    CodexSession session = CodexSession.builder().client(client).cwd(work)
                            .limits(TurnLimits.of(Duration.ofSeconds(60), Duration.ZERO)).build()) {
                session.start();
                List<ServerSentEvent<Map<String, Object>>> events = TurnFlux.serverSentEvents(
                        session.streamTurn(TurnInput.text("say it"), TurnOptions.DEFAULTS)).collectList().block(Duration.ofSeconds(90));
                List<String> names = events.stream().map(ServerSentEvent::event).collect(Collectors.toList());
                assertThat(names).endsWith("ended").containsSubsequence("started", "agentMessageDelta", "itemCompleted", "ended");
                assertThat(events.stream().filter(e -> "agentMessageDelta".equals(e.event())).map(e -> (String) e.data().get("text"))
                        .collect(Collectors.joining())).isEqualTo("Streamed through Reactor");
                Map<String, Object> end = events.get(events.size() - 1).data();
                assertThat(end).containsEntry("status", "completed").containsEntry("finalText", "Streamed through Reactor");
            }
        }
    }

    @Test
    void aStreamThatFailsEndsWithAFailedEvent() {
        Flow.Publisher<TurnStreamEvent> stream = JdkFlowAdapter.publisherToFlowPublisher(Flux.concat(
                Flux.just(new TurnStreamEvent.Warning("first")), Flux.error(new IllegalStateException("a turn is already running"))));
        List<ServerSentEvent<Map<String, Object>>> events = TurnFlux.serverSentEvents(stream).collectList().block(Duration.ofSeconds(10));
        assertThat(events).extracting(ServerSentEvent::event).containsExactly("warning", TurnSse.FAILED);
        assertThat(events.get(1).data()).containsEntry("message", "a turn is already running");
    }
}
