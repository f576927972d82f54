package dev.codexbridge.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;

import dev.codexbridge.session.TurnOutcome;
import dev.codexbridge.session.TurnResult;
import dev.codexbridge.session.StopReason;
import dev.codexbridge.session.TurnStreamEvent;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;

/**
 * {@link TurnSse} behind a Spring MVC controller (MockMvc): each event written as a named
 * server-sent event with its view as JSON, the emitter completed after {@code ended}; a failing
 * stream sends {@code failed}; one event requested at a time; written on TurnSse's own threads.
 */
class TurnSseTest {
    private static final TurnResult RESULT = new TurnResult("thread-1", "turn-1", TurnOutcome.COMPLETED, "Hello there", null,
            StopReason.NATURAL, 0, 0, List.of(), 5, 1, 0, null, false, List.of());

    @Test
    void aTurnsEventsGoOutNamedByKindEndingWithTheResult() throws Exception {
        AtomicReference<Long> largestRequest = new AtomicReference<>(0L);
        Flux<TurnStreamEvent> events = Flux.<TurnStreamEvent>just(new TurnStreamEvent.Started("key-1", "turn-1"),
                        new TurnStreamEvent.AgentMessageDelta("msg-1", "Hello "), new TurnStreamEvent.AgentMessageDelta("msg-1", "there"),
                        new TurnStreamEvent.Ended(RESULT))
                .doOnRequest(n -> largestRequest.accumulateAndGet(n, Math::max));
        Set<String> writers = ConcurrentHashMap.newKeySet();
        String body = serve(JdkFlowAdapter.publisherToFlowPublisher(events), e -> {
            writers.add(Thread.currentThread().getName());
            return TurnSse.event(e);
        });
        assertThat(writers).as("written on TurnSse's own threads").isNotEmpty().allSatisfy(name -> assertThat(name).startsWith("codex-bridge-sse-"));
        assertThat(body).containsSubsequence("event:started", "\"turnId\":\"turn-1\"", "event:agentMessageDelta", "\"text\":\"Hello \"",
                "event:agentMessageDelta", "\"text\":\"there\"", "event:ended", "\"status\":\"completed\"", "\"finalText\":\"Hello there\"");
        assertThat(largestRequest.get()).as("the emitter asks for one event at a time").isEqualTo(1L);
    }

    @Test
    void aStreamThatFailsSendsFailedWithItsMessage() throws Exception {
        Flux<TurnStreamEvent> events = Flux.concat(Flux.just(new TurnStreamEvent.Warning("careful")),
                Flux.error(new IllegalStateException("a turn is already running")));
        String body = serve(JdkFlowAdapter.publisherToFlowPublisher(events), TurnSse::event);
        assertThat(body).containsSubsequence("event:warning", "\"message\":\"careful\"", "event:" + TurnSse.FAILED,
                "\"message\":\"a turn is already running\"");
    }

    private static String serve(Flow.Publisher<TurnStreamEvent> stream,
            Function<TurnStreamEvent, SseEmitter.SseEventBuilder> view) throws Exception {
        MockMvc mvc = MockMvcBuilders.standaloneSetup(new Turns(stream, view)).build();
        MvcResult result = mvc.perform(get("/turn")).andExpect(request().asyncStarted()).andReturn();
        result.getAsyncResult(10_000);      // throws unless the emitter completed in time
        return result.getResponse().getContentAsString();
    }

    @RestController
    static final class Turns {
        private final Flow.Publisher<TurnStreamEvent> stream;
        private final Function<TurnStreamEvent, SseEmitter.SseEventBuilder> view;

        Turns(Flow.Publisher<TurnStreamEvent> stream, Function<TurnStreamEvent, SseEmitter.SseEventBuilder> view) {
            this.stream = stream;
            this.view = view;
        }

        @GetMapping("/turn")
        SseEmitter turn() {
            return TurnSse.emitter(stream, view);
        }
    }
}
